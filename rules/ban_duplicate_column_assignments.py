"""A statement that names the same column twice: `UPDATE t SET a = 1, a = 2`,
`INSERT INTO t (a, b, a) ...`, `CREATE TABLE t (a int, a text)`.

What goes wrong: PostgreSQL refuses the statement ("multiple assignments to same column", "column
specified more than once"), so the migration fails at deploy; in a runner without a transaction
the statements before it have already run. squawk: `ban-duplicate-column-assignments` (which also
reads views and `SELECT INTO`; those are not read here).

Safe alternative: name each column once.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding

ID = "ban-duplicate-column-assignments"
SEVERITY = Severity.ERROR
SUMMARY = "A statement names the same column twice: PostgreSQL refuses it and the deploy fails."
GROUP = "zero-downtime"
CATCHES = "`UPDATE ... SET a = 1, a = 2`, `INSERT INTO t (a, a)`, `CREATE TABLE t (a int, a int)`: refused by the database"
APPLIES_TO = ("sql",)

EXAMPLES = {
    "sql": ("UPDATE users SET email = lower(email), email = trim(email);", "UPDATE users SET email = lower(trim(email));"),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DATA, Op.CREATE_TABLE}, existing_tables_only=False):
        if op.repeated is None:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"`{op.repeated}` is named twice in this statement: the database refuses it, so the migration fails.",
            f"Name `{op.repeated}` once.",
        )
