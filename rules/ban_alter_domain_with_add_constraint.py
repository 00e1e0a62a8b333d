"""`ALTER DOMAIN ... ADD CONSTRAINT` (without `NOT VALID`).

Lock: PostgreSQL checks every row of every table with a column of that domain before the command
ends, holding a SHARE lock on each of those tables: writes to all of them wait for the whole
check, and the migration fails if one row breaks it. squawk:
`ban-alter-domain-with-add-constraint`; we deliberately stay quiet on `ADD CONSTRAINT ... NOT VALID`,
which checks no existing row (validate it later with `ALTER DOMAIN ... VALIDATE CONSTRAINT`, which
does not block writes).

Safe alternative: `ADD CONSTRAINT ... NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration;
better, `CHECK` constraints on the tables' columns.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding

ID = "ban-alter-domain-with-add-constraint"
SEVERITY = Severity.WARNING
SUMMARY = "ALTER DOMAIN ... ADD CONSTRAINT checks every table using the domain while blocking its writes."
GROUP = "zero-downtime"
CATCHES = "`ALTER DOMAIN ... ADD CONSTRAINT` without `NOT VALID`: every table using the domain is scanned under lock"
APPLIES_TO = ("sql",)

EXAMPLES = {
    "sql": (
        "ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0);",
        "ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0) NOT VALID;",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DOMAIN_CONSTRAINT}, dialects={"postgres"}, existing_tables_only=False):
        if not op.detail.startswith("ALTER") or op.not_valid:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            "`ALTER DOMAIN ... ADD CONSTRAINT` checks every row of every table using the domain, blocking writes "
            "to them until it is done.",
            "Add it `NOT VALID` and run `ALTER DOMAIN ... VALIDATE CONSTRAINT` in a later migration, or use "
            "`CHECK` constraints on the tables' columns.",
        )
