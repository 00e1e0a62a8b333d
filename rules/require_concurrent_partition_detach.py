"""PostgreSQL: `ALTER TABLE ... DETACH PARTITION` without `CONCURRENTLY`.

Lock: a plain detach takes an ACCESS EXCLUSIVE lock on the partitioned table: every read and
write of every partition waits, and the detach itself waits behind any running query.
squawk: `require-concurrent-partition-detach`.

Safe alternative: `DETACH PARTITION ... CONCURRENTLY` (PostgreSQL 14+) takes a SHARE UPDATE
EXCLUSIVE lock instead; it cannot run inside a transaction, so the migration must run without one
(the suggestion turns it off where the tool has a switch). If a concurrent detach is interrupted,
`DETACH PARTITION ... FINALIZE` completes it (not reported).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, no_transaction_fix, where

ID = "require-concurrent-partition-detach"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: DETACH PARTITION without CONCURRENTLY locks the whole partitioned table."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'PostgreSQL `DETACH PARTITION` without `CONCURRENTLY` (`FINALIZE` excepted)'
#: only SQL says it (files, or SQL strings in any framework): no migration DSL has it
APPLIES_TO = ("sql",)

EXAMPLES = {
    'sql': (
        'ALTER TABLE users DETACH PARTITION users_2023;',
        '-- +goose NO TRANSACTION\nALTER TABLE users DETACH PARTITION users_2023 CONCURRENTLY;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.DETACH_PARTITION}, dialects={"postgres"}):
        if op.concurrently or "FINALIZE" in op.detail:
            continue
        off = "" if not ops.transactional else f" {no_transaction_fix(m)}"
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"`DETACH PARTITION` without `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on {where(op)}: reads and "
            "writes of every partition wait.",
            f"Detach it `CONCURRENTLY`, which cannot run inside a transaction.{off}",
        )
