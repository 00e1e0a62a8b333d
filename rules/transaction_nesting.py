"""`BEGIN` or `COMMIT` written in a migration whose tool already runs it in a transaction, or a
`BEGIN` inside one already begun, or a `COMMIT` with none to end.

What goes wrong: goose, dbmate, Flyway-with-a-driver, Rails, Django (`atomic`), Alembic, Knex,
Laravel and TypeORM open a transaction around each migration. A `BEGIN` inside it is ignored
(PostgreSQL only warns), and the `COMMIT` that follows ends the *tool's* transaction early: the
statements after it run outside any transaction, so a failure there leaves the migration half
applied and not recorded. squawk: `transaction-nesting` (squawk must be told with
`--assume-in-transaction`; here the runner's own switch is read: `-- +goose NO TRANSACTION`,
`transaction:false`, `atomic = False`, `disable_ddl_transaction!` …). Where the tool sends the whole
file as one query (golang-migrate, Flyway, Prisma), `BEGIN … COMMIT` around the statements is the
intended way to make them atomic and is not reported.

Safe alternative: leave transaction control to the tool; to run statements outside its transaction,
turn it off with the tool's switch and put them in a migration of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, no_transaction_fix

ID = "transaction-nesting"
SEVERITY = Severity.WARNING
SUMMARY = "BEGIN/COMMIT inside the tool's transaction, a BEGIN inside a BEGIN, or a COMMIT with nothing to end."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = ('`BEGIN`/`COMMIT` in a migration the tool already wraps in a transaction (its `COMMIT` ends the '
           "tool's transaction early), a `BEGIN` inside a `BEGIN`, a `COMMIT` with nothing to end")
APPLIES_TO = ("sql",)

EXAMPLES = {
    'sql': (
        'BEGIN;\nALTER TABLE users ADD COLUMN age int;\nCOMMIT;',
        'ALTER TABLE users ADD COLUMN age int;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    seen: dict[str, bool] = {}  # path -> an explicit BEGIN is open (where the tool opened none)
    for m, ops, op in each_operation(cs, {Op.BEGIN, Op.COMMIT}, existing_tables_only=False):
        word = op.detail or ("BEGIN" if op.kind is Op.BEGIN else "COMMIT")
        if ops.transactional and not ops.implicit:
            ending = "is ignored (PostgreSQL only warns)" if op.kind is Op.BEGIN else (
                "ends that transaction early: what follows runs outside any transaction, so a failure leaves the "
                "migration half applied")  # fmt: skip
            yield finding(ID, SEVERITY, m, op, f"This migration already runs in a transaction its tool opened: "
                          f"`{word}` {ending}.",
                          f"Remove `{word}` and leave transaction control to the tool; to run statements outside "
                          f"its transaction: {no_transaction_fix(m)}", suggestion=False)  # fmt: skip
            continue
        open_now = seen.get(m.path, False)
        if op.kind is Op.BEGIN and open_now:
            yield finding(ID, SEVERITY, m, op, f"`{word}` inside a transaction already begun above: it is ignored "
                          "(PostgreSQL only warns), and the first `COMMIT` ends both.",
                          f"Remove this `{word}`.", suggestion=False)  # fmt: skip
        elif op.kind is Op.COMMIT and not open_now:
            yield finding(ID, SEVERITY, m, op, f"`{word}` with no transaction begun in this migration: there is "
                          "nothing for it to end (PostgreSQL only warns).",
                          f"`BEGIN` earlier in the migration, or remove this `{word}`.", suggestion=False)  # fmt: skip
        seen[m.path] = op.kind is Op.BEGIN
