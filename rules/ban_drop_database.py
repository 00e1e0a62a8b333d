"""`DROP DATABASE` in a migration.

What goes wrong: a migration runs in every environment the application is deployed to; one that
drops a database removes it there too, with every table and row in it, and breaks every client
connected to it. There is no rollback. squawk: `ban-drop-database`.

Safe alternative: drop databases by hand, as an operation on the one environment that needs it,
never as a migration.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding

ID = "ban-drop-database"
SEVERITY = Severity.ERROR
SUMMARY = "A migration drops a database: every environment loses it, with all its data."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = '`DROP DATABASE` in a migration: every environment loses the database and its data'
#: only SQL says it (files, or SQL strings in any framework): no migration DSL has it
APPLIES_TO = ("sql",)

EXAMPLES = {
    'sql': (
        'DROP DATABASE analytics;',
        'SELECT 1;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DROP_DATABASE}, existing_tables_only=False):
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            "`DROP DATABASE` runs wherever this migration runs: every environment loses the database and all its "
            "data, and its clients break.",
            "Drop databases by hand in the one environment that needs it, never in a migration.",
        )
