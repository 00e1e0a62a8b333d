"""A table named without its schema in `CREATE TABLE`, `ALTER TABLE` or `DROP TABLE`.

What goes wrong: an unqualified name is resolved through the session's `search_path`, so the same
migration can create or drop a table in another schema than meant when the role, the connection
string or a `SET search_path` differs between environments. squawk: `require-table-schema`
(opt-in there too). Off by default: most applications use one schema on purpose.

Safe alternative: `public.users` (or the schema meant); temporary tables are exempt.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, where

ID = "require-table-schema"
SEVERITY = Severity.NOTICE
ON_BY_DEFAULT = False
SUMMARY = "A table named without its schema: which one is meant depends on the search_path."
GROUP = "style"
CATCHES = "`CREATE`/`ALTER`/`DROP TABLE` on a name without schema (temporary tables excepted)"
APPLIES_TO = ("sql",)

EXAMPLES = {
    "sql": ("ALTER TABLE users ADD COLUMN name text;", "ALTER TABLE public.users ADD COLUMN name text;"),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    for m, _ops, op in each_operation(cs, set(Op), dialects={"postgres"}, existing_tables_only=False):
        if op.qualified is not False or op.temporary or (m.path, op.line) in seen:
            continue
        seen.add((m.path, op.line))  # one per statement, however many actions an ALTER TABLE has
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{where(op)} is named without its schema: the `search_path` decides which table this is.",
            "Name the schema: `public.<table>` (or the schema meant).",
            suggestion=False,
        )
