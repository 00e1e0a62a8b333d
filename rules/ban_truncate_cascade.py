"""`TRUNCATE ... CASCADE`: empties every table that references the truncated one, and every table
that references those, however far the foreign keys reach.

What goes wrong: `CASCADE` follows foreign keys the author may not know about, so truncating
`a` with `a <- b <- c` also empties `b` and `c`, in production, with no row-by-row trigger and no
way back but a restore (a migration like this wiped production data in the Linear incident of
January 2024). squawk: `ban-truncate-cascade`.

Safe alternative: name exactly the tables to empty, without `CASCADE`; PostgreSQL then refuses
if another table still references them, which is the check you want.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding

ID = "ban-truncate-cascade"
SEVERITY = Severity.ERROR
SUMMARY = "TRUNCATE ... CASCADE also empties every table whose foreign keys reach the truncated one."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = '`TRUNCATE ... CASCADE`, which empties every table whose foreign keys reach the truncated ones'
#: only SQL says it (files, or SQL strings in any framework): no migration DSL has it
APPLIES_TO = ("sql",)

EXAMPLES = {
    'sql': (
        'TRUNCATE orgs CASCADE;',
        'TRUNCATE orgs;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DATA}, existing_tables_only=False):
        if not op.cascade:
            continue
        target = f"`{op.table}`" if op.table else "these tables"
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"`TRUNCATE ... CASCADE` also empties every table whose foreign keys reach {target}, and the tables "
            "referencing those, with no way back but a restore.",
            "Remove `CASCADE` and name exactly the tables to empty; PostgreSQL then refuses if another table "
            "still references them.",
        )
