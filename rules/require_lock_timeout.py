"""PostgreSQL: a blocking schema change with no `lock_timeout` set before it.

Lock: an `ALTER TABLE` (or index build, drop, rename …) must first get its lock, and while it
waits behind one long-running query, every later query on the table queues behind *it*: a
one-millisecond change becomes minutes of outage. `lock_timeout` makes the migration give up
instead (and be retried), which is why squawk and strong_migrations insist on it. squawk:
`require-timeout-settings` (this is its `lock_timeout` half).

Safe alternative: `SET lock_timeout = '1s';` (or `SET LOCAL` inside the transaction) before the
first blocking statement, in SQL or through the framework's `execute`/`RunSQL`/`op.execute`. Where
the database role (`ALTER ROLE migrator SET lock_timeout = '1s'`) or the runner
(strong_migrations' `lock_timeout`, connection options) sets it, say so once in the configuration:
`timeouts: {lock_timeout: set-by-role}` (or `set-by-runner`), and this rule stays quiet.

SQL-file tools (goose, dbmate, golang-migrate, Flyway, Prisma) run exactly what the file says, so
their migrations are judged by default. Rails, Django, Alembic, Knex, Sequelize, TypeORM and Laravel
users usually set it in the runner or the connection (strong_migrations, `OPTIONS`, `env.py`), which
the migration cannot show: theirs are judged once `timeouts: {lock_timeout: in-migration}` is said.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from rules._operations import finding, first_blocking_without, what, where

ID = "require-lock-timeout"
#: squawk's opt-in rule that stands for both timeout rules
ALIASES = ("require-timeout-settings",)
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: a blocking schema change without lock_timeout can queue every query behind it."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = ('the first blocking statement of a PostgreSQL migration with no `SET lock_timeout` before it (quiet '
           'with `timeouts: {lock_timeout: set-by-role}` or `set-by-runner`)')

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD COLUMN age int;',
        "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN age int;",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    source = cs.config.timeouts.lock_timeout if cs.config is not None else None
    for m, op in first_blocking_without(cs, "lock_timeout", source):
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {where(op)} runs with no `lock_timeout`: while it waits for its lock behind a long "
            "query, every later query on the table waits behind it.",
            "Put `SET lock_timeout = '1s';` before it (or set it for the role or in the runner and say so: "
            "`timeouts: {lock_timeout: set-by-role}`).",
            suggestion=False,
        )
