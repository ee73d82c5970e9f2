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
