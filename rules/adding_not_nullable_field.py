"""PostgreSQL: `SET NOT NULL` on a column of an existing table.

Lock: `ALTER COLUMN ... SET NOT NULL` scans the whole table to prove there is no NULL, holding
an ACCESS EXCLUSIVE lock all the while: every read and write waits.

Safe alternative (PostgreSQL 12+): add `CHECK (col IS NOT NULL) NOT VALID` (instant), then
`VALIDATE CONSTRAINT` in a later migration (scans without blocking writes), then `SET NOT NULL`,
which PostgreSQL proves from the valid constraint without a scan, and drop the CHECK.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, where

ID = "adding-not-nullable-field"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock."
GROUP = "zero-downtime"


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.SET_NOT_NULL}, dialects={"postgres"}):
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"`SET NOT NULL` on `{op.column or 'the column'}` scans all of {where(op)} under an ACCESS EXCLUSIVE lock: "
            "reads and writes wait until it is done.",
            "Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it, then SET NOT NULL and drop the CHECK.",
            suggestion=False,
        )
