"""Where the scan for missed webhook deliveries stopped (``redelivery_scan``, one row).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redelivery_scan",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("newest_delivery_id", sa.BigInteger, nullable=False),
        sa.Column("scanned_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("redelivery_scan")
