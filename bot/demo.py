"""``migration-guard demo``: a sample repository where two branches collided, then ``check`` on it.

Lets a new user see real findings in seconds without preparing anything. An Alembic service
whose main branch gained a revision while a feature branch added another one on the same
parent (two heads after the merge) with an empty ``downgrade()``, plus an edit to a revision
that already ran; and a Rails app where both branches picked the same timestamp and the
feature's migration has ``up`` without ``down``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

_INI = """[alembic]
script_location = migrations
"""

_REVISION = '''"""{message}

Revision ID: {rev}
Revises: {parent}
"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {parent_literal}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


_RAILS = """class {name} < ActiveRecord::Migration[7.1]
{body}end
"""


def _revision(rev: str, parent: str | None, message: str, upgrade: str, downgrade: str) -> str:
    return _REVISION.format(
        rev=rev,
        parent=parent or "",
        parent_literal=repr(parent),
        message=message,
        upgrade=upgrade,
        downgrade=downgrade,
    )


def run_demo(directory: str | None, check: Callable[[Sequence[str]], int]) -> int:
    """Build the demo repository and run ``check`` (the CLI's entry point) on it; the CLI passes
    itself, so this module does not import the CLI back."""
    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="migration-guard-demo-"))
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"migration-guard: error: {root} is not empty; pass an empty or new directory")
    root.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Demo",
        "GIT_AUTHOR_EMAIL": "demo@example.com",
        "GIT_COMMITTER_NAME": "Demo",
        "GIT_COMMITTER_EMAIL": "demo@example.com",
    }

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    def write(path: str, text: str) -> None:
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")

    versions = "migrations/versions"
    git("init", "-q", "-b", "main")
    write("alembic.ini", _INI)
    write("migrations/env.py", "# Alembic environment (not run by Migration Guard)\n")
    write(
        f"{versions}/a1b2c3d4e5f6_create_users.py",
        _revision(
            "a1b2c3d4e5f6",
            None,
            "create users",
            '    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))',
            '    op.drop_table("users")',
        ),
    )
    write(
        "web/db/migrate/20240101000000_create_accounts.rb",
        _RAILS.format(
            name="CreateAccounts",
            body="  def change\n    create_table :accounts do |t|\n      t.string :name\n    end\n  end\n",
        ),
    )
    git("add", "-A")
    git("commit", "-q", "-m", "Create users")

    git("checkout", "-q", "-b", "feature/orders")
    write(
        f"{versions}/0f1e2d3c4b5a_create_orders.py",
        _revision(
            "0f1e2d3c4b5a",
            "a1b2c3d4e5f6",
            "create orders",
            '    op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True))',
            "    pass",
        ),
    )
    users = (root / versions / "a1b2c3d4e5f6_create_users.py").read_text()
    write(
        f"{versions}/a1b2c3d4e5f6_create_users.py",
        users.replace(
            'sa.Column("id", sa.Integer, primary_key=True))',
            'sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String))',
            1,
        ),
    )
    write(
        "web/db/migrate/20240301120000_backfill_account_plans.rb",
        _RAILS.format(
            name="BackfillAccountPlans", body="  def up\n    execute \"UPDATE accounts SET plan = 'free'\"\n  end\n"
        ),
    )
    git("add", "-A")
    git("commit", "-q", "-m", "Create orders; add users.email; backfill plans")

    git("checkout", "-q", "main")
    write(
        f"{versions}/9a8b7c6d5e4f_create_invoices.py",
        _revision(
            "9a8b7c6d5e4f",
            "a1b2c3d4e5f6",
            "create invoices",
            '    op.create_table("invoices", sa.Column("id", sa.Integer, primary_key=True))',
            '    op.drop_table("invoices")',
        ),
    )
    write(
        "web/db/migrate/20240301120000_add_plan_to_accounts.rb",
        _RAILS.format(name="AddPlanToAccounts", body="  def change\n    add_column :accounts, :plan, :string\n  end\n"),
    )
    git("add", "-A")
    git("commit", "-q", "-m", "Create invoices; add accounts.plan (merged while feature/orders was open)")
    git("checkout", "-q", "feature/orders")

    print(f"Sample repository: {root}")
    print("  main:           Alembic users -> invoices; Rails 20240301120000_add_plan_to_accounts")
    print("                  (both merged while the feature branch was open)")
    print("  feature/orders: Alembic users -> orders (empty downgrade) and an edit to the deployed users revision;")
    print("                  Rails 20240301120000_backfill_account_plans (same timestamp, up without down)")
    print(f"\n$ migration-guard check --repo {root} --base main\n", flush=True)
    return check(["check", "--repo", str(root), "--base", "main"])
