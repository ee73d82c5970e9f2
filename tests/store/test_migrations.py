from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bastion.store.db import alembic_config, current_revision, upgrade_database
from bastion.store.models import Base


async def test_migrations_build_exactly_the_schema_the_models_describe(services):
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with services.engine.connect() as connection:
        changes = await connection.run_sync(diff)
    assert changes == []


async def test_upgrading_twice_is_harmless_and_reports_the_head_revision(services):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    await upgrade_database(services.engine)
    assert head is not None
    assert await current_revision(services.engine) == head


async def test_every_model_table_exists_after_upgrade(services):
    async with services.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= tables


async def test_migration_0004_moves_each_rotation_link_onto_the_successor(settings, clock):
    """Tokens rotated before 0004 keep their link: the successor names its predecessor (``replaces_id``)."""
    from sqlalchemy import text

    from bastion.services import build_services

    services = build_services(settings, clock)
    at = clock.now
    token = (
        "INSERT INTO tokens (id, kind, digest, connection_id, scopes, resource, family_id, created_at, expires_at, "
        "replaced_by_id) VALUES (:id, 'refresh', :digest, 1, 'mcp:read', 'r', 'f', :at, :at, :next)"
    )
    try:
        await upgrade_database(services.engine, "0003")
        async with services.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO connections (id, type, name, scopes, created_at, request_count, is_dynamic, notes, "
                    "redirect_uris, grant_types, registration_metadata) "
                    "VALUES (1, 'oauth', 'c', 'mcp:read', :at, 0, false, '', '[]', '[]', '{}')"
                ),
                {"at": at},
            )
            for row in ({"id": 1, "next": 2}, {"id": 2, "next": 3}, {"id": 3, "next": None}):
                await connection.execute(text(token), {**row, "digest": f"d{row['id']}", "at": at})

        await upgrade_database(services.engine)

        async with services.engine.connect() as connection:
            links = (await connection.execute(text("SELECT id, replaces_id FROM tokens ORDER BY id"))).all()
        assert [tuple(link) for link in links] == [(1, None), (2, 1), (3, 2)]
    finally:
        await services.engine.dispose()
