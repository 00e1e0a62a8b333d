"""A new migration whose file name says nothing, or breaks the team's pattern.

What goes wrong: names like `0005_auto_20250101_1200`, `migration1` or `update` tell nobody
what a migration does when it shows up in a deploy log, a lock report or a failed rollback at
3 a.m. File names must carry a sortable version (timestamp or sequence) and a descriptive name.

Safe alternative: rename it before it is merged (`makemigrations --name add_order_status`,
`rails g migration AddStatusToOrders`, `alembic revision -m "add order status"`). Teams can
enforce their own pattern with `naming_pattern` (a regular expression) in the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.core import safe_regex
from bot.core.model import ChangeSet, Finding, Role, Severity
from bot.frameworks import traits_of

ID = "migration-naming"
SEVERITY = Severity.NOTICE
SUMMARY = "A new migration's file name is generated or not descriptive."
GROUP = "hygiene"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'generated or non-descriptive names (`0005_auto_20250101_1200`, `migration1`), or not matching `naming_pattern`'

EXAMPLES = {
    'history': (
        'branch: db/migrations/00002_update.sql',
        'branch: db/migrations/00002_create_invoices.sql',
    ),
}

_GENERATED = re.compile(
    r"^(auto(_\d{8}_\d{4})?|migration\d*|update\d*|changes?\d*|new\d*|temp\d*|test\d*|fix\d*|wip\d*|initial_?\d+)$"
)
_HAS_VERSION = re.compile(r"^[VU]?\d")


def check(cs: ChangeSet) -> Iterator[Finding]:
    pattern = cs.config.naming_pattern if cs.config is not None and cs.config.naming_pattern else None
    added = cs.added_paths()
    for m in cs.judged_migrations():
        if m.role is not Role.UP or m.path not in added:
            continue
        file_name = m.path.rsplit("/", 1)[-1]
        traits = traits_of(m.framework)
        part = m.path.rsplit("/", 2)[-2] if traits.folder_per_migration else file_name
        if pattern is not None and not safe_regex.search(pattern, part):
            yield Finding(
                ID,
                SEVERITY,
                m.path,
                1,
                f"`{part}` does not match the configured `naming_pattern` `{pattern}`.",
                "Rename it to follow the team's pattern.",
                m.framework,
            )
            continue
        descriptive = re.sub(r"^[VU]?\d+(?:[._-]\d+)*[_-]*", "", part.rsplit(".", 1)[0] if "." in part else part)
        descriptive = descriptive.removesuffix(".up").removesuffix(".down").strip("_-. ").lower()
        if traits.generated_prefix:
            descriptive = re.sub(traits.generated_prefix, "", descriptive)
        if (
            not descriptive
            or _GENERATED.match(descriptive)
            or (not _HAS_VERSION.match(part) and not traits.versionless_names)
        ):
            yield Finding(
                ID,
                SEVERITY,
                m.path,
                1,
                f"`{part}` is not a descriptive migration name (a sortable version followed by what it does).",
                "Rename it after what it changes, e.g. `add_status_to_orders`.",
                m.framework,
            )
