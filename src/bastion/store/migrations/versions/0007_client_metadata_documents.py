"""client ID metadata documents: when a connection's document was fetched and until when it is kept

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("metadata_fetched_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("metadata_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("metadata_expires_at")
        batch.drop_column("metadata_fetched_at")
