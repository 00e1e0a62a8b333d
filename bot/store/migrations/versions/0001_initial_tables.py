"""The store's ten tables as the service created them before its schema had migrations.

A database created by an earlier release (``create_all``, no ``alembic_version``) is stamped
with this revision at start-up instead of running it.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("dedupe_key", sa.String(500), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("run_after", sa.Float, nullable=False),
        sa.Column("lease_until", sa.Float),
        sa.Column("worker", sa.String(200)),
        sa.Column("check_run_id", sa.BigInteger),
        sa.Column("last_error", sa.Text),
        sa.Column("delivery_id", sa.String(200)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float),
    )
    op.create_index("ix_jobs_dedupe_key", "jobs", ["dedupe_key"])
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_table(
        "blobs",
        sa.Column("sha", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "parsed",
        sa.Column("k", sa.String(2000), primary_key=True),
        sa.Column("v", sa.Text, nullable=False),
    )
    op.create_table(
        "published",
        sa.Column("repo", sa.String(300), primary_key=True),
        sa.Column("pr", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("review_id", sa.BigInteger),
        sa.Column("head_sha", sa.String(64)),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "open_prs",
        sa.Column("repo", sa.String(300), primary_key=True),
        sa.Column("pr", sa.Integer, primary_key=True),
        sa.Column("installation_id", sa.BigInteger, nullable=False),
        sa.Column("base_ref", sa.String(300), nullable=False),
        sa.Column("head_sha", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "pr_migrations",
        sa.Column("repo", sa.String(300), nullable=False),
        sa.Column("pr", sa.Integer, nullable=False),
        sa.Column("framework", sa.String(50), nullable=False),
        sa.Column("namespace", sa.String(500), nullable=False),
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("parents", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
    )
    op.create_index("ix_pr_migrations_repo", "pr_migrations", ["repo"])
    op.create_table(
        "waivers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("repo", sa.String(300), nullable=False),
        sa.Column("pr", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("head_sha", sa.String(64), nullable=False),
        sa.Column("blobs", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_waivers_repo", "waivers", ["repo"])
    op.create_table(
        "pr_heads",
        sa.Column("repo", sa.String(300), nullable=False),
        sa.Column("pr", sa.Integer, nullable=False),
        sa.Column("head_sha", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    op.create_index("ix_pr_heads_repo", "pr_heads", ["repo"])
    op.create_table(
        "deployed_refs",
        sa.Column("repo", sa.String(300), primary_key=True),
        sa.Column("environment", sa.String(300), primary_key=True),
        sa.Column("sha", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(300)),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("deployed_refs", "pr_heads", "waivers", "pr_migrations", "open_prs", "published", "parsed",
                  "blobs", "jobs", "deliveries"):  # fmt: skip
        op.drop_table(table)
