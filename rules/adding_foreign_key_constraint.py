"""PostgreSQL: a foreign key added to an existing table without `NOT VALID`.

Lock: adding a foreign key takes SHARE ROW EXCLUSIVE locks on both tables and scans the
referencing table to validate every row: writes to both tables wait for the whole scan.

Safe alternative: add the foreign key `NOT VALID` (Rails: `add_foreign_key ..., validate: false`),
which is instant and enforces new rows, then in a later migration `VALIDATE CONSTRAINT`
(`validate_foreign_key` in Rails), which scans without blocking writes.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, what, where

ID = "adding-foreign-key-constraint"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: a foreign key without NOT VALID blocks writes on both tables while it validates."
GROUP = "zero-downtime"


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.ADD_FOREIGN_KEY}, dialects={"postgres"}):
        if op.not_valid:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {where(op)} without `NOT VALID` scans it under SHARE ROW EXCLUSIVE locks on both "
            "tables: writes to either wait.",
            "Add the foreign key `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` in a later migration.",
        )
