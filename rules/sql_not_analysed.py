"""A schema statement Migration Guard could not analyse.

What goes wrong: the zero-downtime rules can only judge statements they understand. A DDL
statement that the SQL parser keeps as an opaque command, or SQL built at run time (string
formatting, interpolation), is not checked for locks; rather than pass it silently, this says
so. (A whole migration that was not analysed is `migration-not-analysed`, an error.)

Safe alternative: review the statement's locks by hand; prefer literal SQL in migrations; if it
is safe, suppress the notice with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding

ID = "sql-not-analysed"
SEVERITY = Severity.NOTICE
SUMMARY = "A schema statement could not be analysed for locks; review it by hand."
GROUP = "hygiene"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'DDL the parser could only keep as an opaque command, or SQL built at run time'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users REPLICA IDENTITY FULL;',
        'ALTER TABLE users ADD COLUMN age int;',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  const table = "users";\n  await knex.raw(`ALTER TABLE ${table} ADD COLUMN ${process.env.COLUMN} int`);\n};',
        'exports.up = async function (knex) {\n  await knex.raw("ALTER TABLE users ADD COLUMN age int");\n};',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.UNKNOWN}, existing_tables_only=False):
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"Could not analyse `{op.detail}` ({ops.dialect}): its locks and compatibility were not checked.",
            "Review its locks by hand, or write it as literal SQL the parser understands.",
            suggestion=False,
        )

