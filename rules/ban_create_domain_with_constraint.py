"""`CREATE DOMAIN ... CHECK (...)` or `NOT NULL`.

What goes wrong: a domain's constraint cannot be changed the way a table's can: tightening it later
is `ALTER DOMAIN ... ADD CONSTRAINT`, which checks every column of every table using the domain
while holding locks on them, and dropping the domain's `NOT NULL` changes every such column at once.
squawk: `ban-create-domain-with-constraint` ("domains with constraints have poor support for online
migrations").

Safe alternative: a domain without constraints (or a plain type), and `CHECK` constraints on the
tables' columns, which can be added `NOT VALID` and validated without blocking.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, what

ID = "ban-create-domain-with-constraint"
SEVERITY = Severity.NOTICE
SUMMARY = "A domain with a constraint: changing it later locks and checks every table that uses it."
GROUP = "zero-downtime"
CATCHES = "`CREATE DOMAIN ... CHECK`/`NOT NULL`: the constraint is hard to change online"
APPLIES_TO = ("sql",)

EXAMPLES = {
    "sql": (
        "CREATE DOMAIN price AS numeric(15, 5) CHECK (VALUE > 0);",
        "CREATE DOMAIN price AS numeric(15, 5);",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DOMAIN_CONSTRAINT}, dialects={"postgres"}, existing_tables_only=False):
        if not op.detail.startswith("CREATE"):
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)}: changing a domain's constraint later checks every column of every table using it, under lock.",
            "Create the domain without constraints and put `CHECK` constraints on the tables' columns.",
        )
