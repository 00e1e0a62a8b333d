"""The jobs' fencing value: incremented at every claim, compared before every write to GitHub, so
a worker that was frozen past its lease and resumed publishes nothing once another took over.

Revision ID: 0004
Revises: 0003_rate_limits
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("fence", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("jobs", "fence")
