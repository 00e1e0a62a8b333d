"""A `BEGIN` the migration never ends with `COMMIT` or `ROLLBACK`.

What goes wrong: where the tool does not wrap the migration in a transaction of its own (the
switch turned off, or a tool that sends the file as one query), the transaction the file begins
stays open after its last statement: its locks are held until something ends it, and whether the
work is kept depends on what the tool does next (the tool's bookkeeping may commit it, or the
connection may close and roll it all back). squawk: `ban-uncommitted-transaction`.
(Inside the tool's own transaction the `BEGIN` is `transaction-nesting`'s to report.)

Safe alternative: end the transaction the migration begins: `COMMIT;` after its last statement.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Migration, Severity
from bot.core.operations import Op, Operation
from rules._operations import each_operation, finding

ID = "ban-uncommitted-transaction"
SEVERITY = Severity.WARNING
SUMMARY = "A migration begins a transaction and never commits or rolls it back."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a `BEGIN` never ended by `COMMIT` or `ROLLBACK` where the tool opened no transaction of its own'
APPLIES_TO = ("sql",)

EXAMPLES = {
    'sql': (
        '-- +goose NO TRANSACTION\nBEGIN;\nALTER TABLE users ADD COLUMN age int;',
        '-- +goose NO TRANSACTION\nBEGIN;\nALTER TABLE users ADD COLUMN age int;\nCOMMIT;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    last: dict[str, tuple[Migration, Operation]] = {}  # path -> (migration, the last BEGIN or COMMIT)
    for m, ops, op in each_operation(cs, {Op.BEGIN, Op.COMMIT}, existing_tables_only=False):
        if ops.transactional and not ops.implicit:
            continue  # the tool's transaction: transaction-nesting reports it
        last[m.path] = (m, op)
    for m, op in last.values():
        if op.kind is Op.BEGIN:
            yield finding(ID, SEVERITY, m, op,
                          f"`{op.detail or 'BEGIN'}` is never ended: the transaction stays open after the migration, "
                          "holding its locks, and whether its work is kept depends on what the tool does next.",
                          "Add `COMMIT;` after the migration's last statement.", suggestion=False)  # fmt: skip
