"""A `timestamp` column without time zone.

What goes wrong: `timestamp` stores the wall-clock digits without saying which zone they are in;
a server, session or application in another zone reads and writes them shifted, and daylight
saving makes some of them ambiguous. `timestamptz` stores an instant (UTC) and converts at the
edges. squawk: `prefer-timestamp-tz` (also spelled `prefer-timestamptz`). Off by default (Rails'
`datetime` is `timestamp` unless configured otherwise, and many schemas store UTC on purpose).

Safe alternative: `timestamptz` (`timestamp with time zone`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from rules._types import Swap, type_findings

ID = "prefer-timestamp-tz"
ALIASES = ("prefer-timestamptz",)
SEVERITY = Severity.NOTICE
ON_BY_DEFAULT = False
SUMMARY = "A timestamp column without time zone: its values are read shifted in any other zone."
GROUP = "style"
CATCHES = "`timestamp` / `timestamp without time zone` columns (arrays too); `timestamptz` is fine"
APPLIES_TO = ("sql", "rails", "alembic", "laravel")

EXAMPLES = {
    "sql": ("ALTER TABLE users ADD COLUMN seen_at timestamp;", "ALTER TABLE users ADD COLUMN seen_at timestamptz;"),
}


#: `timestamp`, `timestamp(3)`, `timestamp without time zone` -> timestamptz (the precision kept)
_SWAP: Swap = (r"\btimestamp\b(\s*\(\s*\d\s*\))?(\s+without\s+time\s+zone\b)?(?!\s+with\b)",
               lambda written: "timestamptz" + "".join(re.findall(r"\(\s*\d\s*\)", written)))


def check(cs: ChangeSet) -> Iterator[Finding]:
    return type_findings(
        cs, ID, SEVERITY, lambda t: t[0] == "timestamp",
        lambda c: f"`{c.name}` is a `timestamp` without time zone: its values are read shifted in any other zone.",
        "Use `timestamptz` (`timestamp with time zone`).", _SWAP,
    )  # fmt: skip
