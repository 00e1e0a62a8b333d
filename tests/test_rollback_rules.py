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
