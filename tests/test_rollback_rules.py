"""missing-rollback judged from what the forward part does, in memory: text in, findings out."""

from __future__ import annotations

from bot.core.model import Severity
from tests.in_memory import check


def test_a_migration_that_only_adds_enum_values_has_nothing_to_roll_back() -> None:
    """PostgreSQL cannot remove an enum value (hatchet's `ADD VALUE 'VIEWER'` without a Down)."""
    enum = "-- +goose Up\nALTER TYPE role ADD VALUE 'viewer';\n"
    column = "-- +goose Up\nALTER TYPE role ADD VALUE 'viewer';\nALTER TABLE users ADD COLUMN r role;\n"
    (only,) = [f for f in check({}, {"db/migrations/00001_enum.sql": enum}) if f.rule == "missing-rollback"]
    (more,) = [f for f in check({}, {"db/migrations/00001_enum.sql": column}) if f.rule == "missing-rollback"]
    assert (only.severity, "PostgreSQL cannot remove" in only.message) == (Severity.NOTICE, True)
    assert (more.severity, "PostgreSQL cannot remove" in more.message) == (Severity.ERROR, False)


ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"


def alembic_rollback(upgrade: str) -> list[str]:
    text = (
        '"""fix\n\nRevision ID: 2b\nRevises: 1a\n"""\nfrom alembic import op\nfrom sqlalchemy.orm import Session\n\n'
        'revision = "2b"\ndown_revision = "1a"\n\n\n'
        f"def upgrade():\n{upgrade}\n\n\ndef downgrade():\n    pass\n"
    )
    first = ('"""init\n\nRevision ID: 1a\nRevises:\n"""\nfrom alembic import op\n\nrevision = "1a"\ndown_revision = None\n\n\n'
             "def upgrade():\n    op.execute('SELECT 1')\n\n\ndef downgrade():\n    op.execute('SELECT 1')\n")  # fmt: skip
    base = {"alembic.ini": ALEMBIC_INI, "migrations/versions/1a_init.py": first}
    return [f.rule for f in check(base, {"migrations/versions/2b_fix.py": text}) if f.rule == "missing-rollback"]


def test_an_orm_data_fix_with_an_empty_downgrade_has_nothing_to_roll_back() -> None:
    """Superset's data fixes read rows through a session, change them and commit."""
    fix = ("    session = Session(bind=op.get_bind())\n    for metric in session.query(Metric).all():\n"
           "        metric.currency = None\n    session.commit()")  # fmt: skip
    assert alembic_rollback(fix) == []
    assert alembic_rollback(fix + "\n    op.drop_column('metrics', 'old')") == ["missing-rollback"]  # schema too
