"""PostgreSQL: `REINDEX` without `CONCURRENTLY`.

Lock: `REINDEX TABLE` / `INDEX` / `SCHEMA` / `DATABASE` takes an ACCESS EXCLUSIVE lock on each
index it rebuilds and a SHARE lock on its table: writes wait for the whole rebuild, and so do reads
that would use the index. squawk: `require-concurrent-reindex`.

Safe alternative: `REINDEX ... CONCURRENTLY` (PostgreSQL 12+) builds the new index beside the old
one without blocking writes. Like `CREATE INDEX CONCURRENTLY` it cannot run inside a transaction,
so the migration must run without one (`-- +goose NO TRANSACTION`, `-- migrate:up transaction:false`,
`disable_ddl_transaction!`, `atomic = False`, `autocommit_block()`); the suggestion turns it off
where the tool has a switch. `REINDEX SYSTEM` cannot be concurrent and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, no_transaction_fix

ID = "require-concurrent-reindex"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: REINDEX without CONCURRENTLY blocks writes while every index is rebuilt."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'PostgreSQL `REINDEX` without `CONCURRENTLY` (`REINDEX SYSTEM` excepted)'
#: only SQL says it (files, or SQL strings in any framework): no migration DSL has it
APPLIES_TO = ("sql",)

EXAMPLES = {
    'sql': (
        'REINDEX INDEX users_name;',
        '-- +goose NO TRANSACTION\nREINDEX INDEX CONCURRENTLY users_name;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.REINDEX}, dialects={"postgres"}, existing_tables_only=False):
        if op.concurrently:
            continue
        off = "" if not ops.transactional else f" {no_transaction_fix(m)}"
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            "`REINDEX` without `CONCURRENTLY` locks each index it rebuilds (ACCESS EXCLUSIVE) and its table against "
            "writes until the rebuild ends.",
            f"Use `REINDEX ... CONCURRENTLY`, which cannot run inside a transaction.{off}",
        )
