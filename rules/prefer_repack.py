"""`VACUUM FULL` or `CLUSTER` in a migration.

Lock: both rewrite the whole table and its indexes under an ACCESS EXCLUSIVE lock: no reads or
writes until the copy is done, minutes to hours on a large table. (`VACUUM` also cannot run inside
a transaction block at all.) squawk: `prefer-repack`, which fires only for PostgreSQL 19, where
`REPACK (CONCURRENTLY)` exists; we say it for every version, since the lock is the same and
`pg_repack` does the job before 19.

Safe alternative: `REPACK (CONCURRENTLY) t` on PostgreSQL 19+, the `pg_repack` extension before
it, run as an operation rather than a migration; or plain `VACUUM` (no rewrite, no blocking lock).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, what, where

ID = "prefer-repack"
SEVERITY = Severity.WARNING
SUMMARY = "VACUUM FULL or CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock."
GROUP = "zero-downtime"
CATCHES = "`VACUUM FULL`, `VACUUM (FULL)`, `CLUSTER`: the table rewritten while reads and writes wait"
APPLIES_TO = ("sql",)

EXAMPLES = {
    "sql": ("VACUUM FULL users;", "VACUUM users;"),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.REWRITE_TABLE}, dialects={"postgres"}):
        target = where(op) if op.table else "every table it names"
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} rewrites {target} and its indexes under an ACCESS EXCLUSIVE lock: reads and writes wait "
            "until the copy is done.",
            "Use `REPACK (CONCURRENTLY)` (PostgreSQL 19+) or `pg_repack`, run as an operation, not a migration; "
            "plain `VACUUM` needs no rewrite.",
        )
