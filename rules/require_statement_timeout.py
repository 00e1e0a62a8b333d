"""PostgreSQL: a blocking schema change with no `statement_timeout` set before it.

What goes wrong: once it has its lock, a statement that runs long (a table rewrite, an index
build, a validation scan) holds it for as long as it runs; `statement_timeout` bounds that, so a
migration that turned out slower than planned fails and releases the table instead of holding it
for an hour. squawk: `require-timeout-settings` (its `statement_timeout` half). A notice here: the
lock wait (`require-lock-timeout`) is what usually takes a site down.

Safe alternative: `SET statement_timeout = '5s';` (or what the migration really needs) before the
first blocking statement; or `timeouts: {statement_timeout: set-by-role}` (or `set-by-runner`) in
the configuration where the role or the runner sets it.

SQL-file tools (goose, dbmate, golang-migrate, Flyway, Prisma) run exactly what the file says, so
their migrations are judged by default. Rails, Django, Alembic, Knex, Sequelize, TypeORM and Laravel
users usually set it in the runner or the connection (strong_migrations, `OPTIONS`, `env.py`), which
the migration cannot show: theirs are judged once `timeouts: {statement_timeout: in-migration}` is said.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from rules._operations import finding, first_blocking_without, what, where

ID = "require-statement-timeout"
#: squawk's opt-in rule that stands for both timeout rules
ALIASES = ("require-timeout-settings",)
SEVERITY = Severity.NOTICE
SUMMARY = "PostgreSQL: a blocking schema change without statement_timeout may hold its lock for as long as it runs."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = ('the first blocking statement of a PostgreSQL migration with no `SET statement_timeout` before it '
           '(quiet with `timeouts: {statement_timeout: set-by-role}` or `set-by-runner`)')

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD COLUMN age int;',
        "SET statement_timeout = '5s';\nALTER TABLE users ADD COLUMN age int;",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    source = cs.config.timeouts.statement_timeout if cs.config is not None else None
    for m, op in first_blocking_without(cs, "statement_timeout", source):
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {where(op)} runs with no `statement_timeout`: once it has its lock, it holds it for "
            "as long as it runs.",
            "Put `SET statement_timeout = '5s';` (what the migration needs) before it, or set it for the role or "
            "in the runner and say so: `timeouts: {statement_timeout: set-by-role}`.",
            suggestion=False,
        )
