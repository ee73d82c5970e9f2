"""indexes for the console's connections list

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

A user's own list filters on (user_id, revoked_at); the list grouped by type, and the *Dynamic
registrations* filter, on (type, is_dynamic, revoked_at). With an equality on every column, both
indexes return ids in id order, so a page needs no sort. ``bench/console_list.py`` measures them.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index("ix_connections_user_revoked", ["user_id", "revoked_at"], unique=False)
        batch_op.create_index("ix_connections_type_dynamic_revoked", ["type", "is_dynamic", "revoked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index("ix_connections_type_dynamic_revoked")
        batch_op.drop_index("ix_connections_user_revoked")
