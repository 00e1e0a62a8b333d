"""A column added to an existing table with a volatile default.

Lock: a default that must be computed per row (`random()`, `gen_random_uuid()`,
`clock_timestamp()`, `nextval()` ...) makes PostgreSQL rewrite the whole table under an ACCESS
EXCLUSIVE lock: no reads, no writes, for as long as the rewrite takes. (A constant default, and
`now()` / `CURRENT_TIMESTAMP`, which are evaluated once, are stored in the catalog since
PostgreSQL 11 and do not rewrite.)

A function PostgreSQL does not ship (the project's own, an extension's) is treated as volatile, as
squawk does, and the message says it is presumed: a function declared IMMUTABLE or STABLE gives an
instant default. Unlike squawk, a built-in called with arguments (`lower('x')`) is not volatile
because of its arguments, and `now()` / `CURRENT_TIMESTAMP` are not volatile (STABLE: one value for
the whole statement, stored once in the catalogue).

Safe alternative: add the column without a default (or with a constant one), set the volatile
default for new rows with `ALTER COLUMN ... SET DEFAULT`, and backfill existing rows in batches.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import column, each_operation, finding, where

ID = "adding-field-with-default"
SEVERITY = Severity.WARNING
SUMMARY = "A column with a volatile default rewrites the whole table under an exclusive lock."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a volatile default anywhere in the expression (`gen_random_uuid()`, `md5(random()::text)`, `clock_timestamp()` …), a `serial`/`bigserial` column or a stored generated column added to an existing table: a table rewrite'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
        'ALTER TABLE users ADD COLUMN token uuid;',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.ADD_COLUMN}, dialects={"postgres", "mysql"}):
        if not op.volatile_default:
            continue
        if op.presumed_volatile:
            yield finding(
                ID,
                SEVERITY,
                m,
                op,
                f"Adding {column(op)} with the default `{op.volatile_default}`, a function that is not a "
                "PostgreSQL built-in and so is treated as volatile: unless it is declared IMMUTABLE or STABLE, this "
                f"rewrites {where(op)} row by row under an ACCESS EXCLUSIVE lock.",
                "If the function is IMMUTABLE or STABLE, the default is instant: suppress this with that reason. "
                "Otherwise add the column without the default, then `SET DEFAULT` and backfill in batches.",
                suggestion=False,
            )
            continue
        what = (
            "as a stored generated column"
            if op.volatile_default.startswith("GENERATED")
            else f"with the volatile default `{op.volatile_default}`"
        )
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"Adding {column(op)} {what} rewrites "
            f"{where(op)} row by row under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes.",
            "Add the column without the default, then `SET DEFAULT` for new rows and backfill existing rows in batches.",
            suggestion=False,
        )
