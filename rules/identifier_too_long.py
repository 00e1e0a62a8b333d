"""A name longer than PostgreSQL keeps: 63 bytes (`NAMEDATALEN - 1`).

What goes wrong: PostgreSQL cuts the name to 63 bytes with only a NOTICE, so the object is created
under another name than the one written: two long index or constraint names that differ after the
63rd byte collide ("relation already exists") and a later migration, a tool or a `pg_dump` diff
that uses the full name does not find it. squawk: `identifier-too-long`.

Safe alternative: a name of at most 63 bytes (non-ASCII characters count two bytes or more).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding

ID = "identifier-too-long"
SEVERITY = Severity.NOTICE
SUMMARY = "A name longer than 63 bytes: PostgreSQL silently cuts it, and cut names can collide."
GROUP = "hygiene"
CATCHES = "names longer than PostgreSQL's 63 bytes in SQL (tables, columns, indexes, constraints)"
APPLIES_TO = ("sql",)

EXAMPLES = {
    "sql": (
        "CREATE INDEX CONCURRENTLY index_users_on_email_and_organisation_id_and_created_at_and_deleted ON users (email);",
        "CREATE INDEX CONCURRENTLY users_email_org_created_deleted_idx ON users (email);",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, set(Op), dialects={"postgres"}, existing_tables_only=False):
        for name in op.long_names:
            size = len(name.encode())
            yield finding(
                ID,
                SEVERITY,
                m,
                op,
                f"`{name}` is {size} bytes: PostgreSQL keeps the first 63 (`{name.encode()[:63].decode(errors='ignore')}`), "
                "so the object gets another name than the one written.",
                "Use a name of at most 63 bytes.",
                suggestion=False,
            )
