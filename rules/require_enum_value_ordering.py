"""`ALTER TYPE ... ADD VALUE` without `BEFORE` or `AFTER`.

What goes wrong: the value goes to the end of the enum, and an enum's order is its sort order
(`ORDER BY status`, `status > 'active'`): a value meant to sit between two others sorts last.
squawk: `require-enum-value-ordering`. Off by default (appending is often what is meant).

Safe alternative: say where it goes: `ADD VALUE 'paused' AFTER 'active'`.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding

ID = "require-enum-value-ordering"
SEVERITY = Severity.NOTICE
ON_BY_DEFAULT = False
SUMMARY = "ADD VALUE without BEFORE or AFTER appends the value, which also places it last in sort order."
GROUP = "style"
CATCHES = "`ALTER TYPE ... ADD VALUE` without `BEFORE`/`AFTER`"
APPLIES_TO = ("sql", "rails")

EXAMPLES = {
    "sql": ("ALTER TYPE status ADD VALUE 'paused';", "ALTER TYPE status ADD VALUE 'paused' AFTER 'active';"),
    "rails": (
        '  def up\n    add_enum_value :status, "paused"\n  end',
        '  def up\n    add_enum_value :status, "paused", after: "active"\n  end',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.ADD_ENUM_VALUE}, dialects={"postgres"}, existing_tables_only=False):
        if op.positioned:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            "`ADD VALUE` without `BEFORE` or `AFTER` appends the value: it also sorts after every other value.",
            "Say where it goes: `ADD VALUE '...' BEFORE '...'` or `AFTER '...'`.",
        )
