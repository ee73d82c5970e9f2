"""Alembic environment: Bastion always hands in a live connection (see store/db.py:upgrade_database)."""

from alembic import context

from bastion.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `bastion db upgrade`; it passes the database connection in.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
