"""attempts counted by the sign-in throttle and the registration limit

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Each attempt is reserved (committed) before it is checked and counted after, so a burst of
concurrent attempts cannot pass the limit together (issue 7, defects 5 and 6).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    op.create_index("ix_attempts_kind_login_at", "attempts", ["kind", "login", "at"], unique=False)
    op.create_index("ix_attempts_kind_client_ip_at", "attempts", ["kind", "client_ip", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_attempts_kind_client_ip_at", table_name="attempts")
    op.drop_index("ix_attempts_kind_login_at", table_name="attempts")
    op.drop_table("attempts")
