"""A column dropped from an existing table.

What goes wrong: the old code still running during a rolling deploy may still read or write the
column (ORMs often select every column they know), and fails once the drop commits; a rollback
of the code cannot bring the data back.

Safe alternative (contract step): first deploy code that no longer uses the column (Rails:
`self.ignored_columns += ["col"]`; Django: remove the field in a release before the migration
with `SeparateDatabaseAndState`), then drop the column in a later migration.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op, Operation
from rules._operations import each_operation, finding, where

ID = "ban-drop-column"
SEVERITY = Severity.WARNING
SUMMARY = "Dropping a column breaks old code that still uses it, and its data cannot come back."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'dropping a column breaks old code that still uses it; the data is gone'

#: a bad and a safe example per front end (`sql`: a goose migration; `rails`: the class body;
#: `alembic`: the body of `upgrade()`; `django`: the Migration class body). Rendered by `explain`
#: and the rule page, and each run as a test: the bad one must be found, the safe one not.
EXAMPLES = {
    'sql': (
        'ALTER TABLE users DROP COLUMN name;',
        'CREATE TABLE scratch (id int, note text);\nALTER TABLE scratch DROP COLUMN note;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DROP_COLUMN}):
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"Dropping `{op.column or 'a column'}`{_known(op)} from {where(op)} breaks old code that still reads or "
            "writes it during the deploy, and the data is gone.",
            "Ship code that ignores the column first (Rails `ignored_columns`), then drop it in a later migration.",
            suggestion=False,
        )


def _known(op: Operation) -> str:
    """`` (a varchar(50) column, used by index `users_name`)`` when the replayed schema knows it."""
    return f" ({op.context})" if op.context else ""
