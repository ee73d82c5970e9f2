"""tokens: a rotated refresh token's successor names it (replaces_id) instead of the old row naming its successor

The refresh grant then writes the old row once (the compare-and-set that spends it) and inserts the new
pair, with no second UPDATE to link them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tokens_replaces_id"), ["replaces_id"], unique=False)
    op.execute(
        "UPDATE tokens SET replaces_id = (SELECT old.id FROM tokens AS old WHERE old.replaced_by_id = tokens.id) "
        "WHERE id IN (SELECT replaced_by_id FROM tokens WHERE replaced_by_id IS NOT NULL)"
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_column("replaced_by_id")


def downgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced_by_id", sa.Integer(), nullable=True))
    # A grace retry gave one token two successors; the old column keeps the last, as it did.
    op.execute(
        "UPDATE tokens SET replaced_by_id = (SELECT MAX(new.id) FROM tokens AS new WHERE new.replaces_id = tokens.id) "
        "WHERE id IN (SELECT replaces_id FROM tokens WHERE replaces_id IS NOT NULL)"
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_replaces_id"))
        batch_op.drop_column("replaces_id")
