"""The App's identity from the one-click registration (``/setup``, GitHub's manifest flow).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_registration",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("app_id", sa.BigInteger, nullable=False),
        sa.Column("slug", sa.String(200), nullable=False),
        sa.Column("html_url", sa.String(500), nullable=False),
        sa.Column("private_key", sa.Text, nullable=False),
        sa.Column("webhook_secret", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_registration")
