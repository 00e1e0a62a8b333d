"""A migration outside a transaction with statements that fail when run a second time.

What goes wrong: without a transaction, a migration that fails half-way leaves its first statements
applied; the runner records nothing, so the fix is to run it again, and then `CREATE INDEX`,
`ADD COLUMN`, `CREATE TABLE` stop at "already exists" and `DROP ...` at "does not exist". This is
exactly the migration that runs outside a transaction: a concurrent index build (goose
`NO TRANSACTION`, dbmate `transaction:false`, Django `atomic = False`, ...). squawk:
`prefer-robust-stmts`, which must be told whether a transaction wraps the file; here the runner's own
setting says it. Off by default.

Safe alternative: `IF NOT EXISTS` / `IF EXISTS` on each statement. (A failed
`CREATE INDEX CONCURRENTLY` leaves an INVALID index that `IF NOT EXISTS` then keeps: drop it before
re-running.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from bot.frameworks import traits_of
from rules._operations import each_migration, finding

ID = "prefer-robust-stmts"
SEVERITY = Severity.NOTICE
ON_BY_DEFAULT = False
SUMMARY = "Outside a transaction, a statement without IF [NOT] EXISTS stops a re-run after a partial failure."
GROUP = "style"
CATCHES = "`CREATE INDEX`/`TABLE`, `ADD COLUMN`, `DROP INDEX`/`TABLE`/`COLUMN` without `IF [NOT] EXISTS` where no transaction wraps them"
APPLIES_TO = ("sql", "rails", "alembic")

EXAMPLES = {
    "rails": (
        "  disable_ddl_transaction!\n\n  def change\n    add_index :users, :email, algorithm: :concurrently\n  end",
        "  disable_ddl_transaction!\n\n  def change\n    add_index :users, :email, algorithm: :concurrently, if_not_exists: true\n  end",
    ),
    "sql": (
        "-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
        "-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);",
    ),
}

#: what a re-run trips over, and the words that make it idempotent
_GUARD = {Op.CREATE_INDEX: "IF NOT EXISTS", Op.CREATE_TABLE: "IF NOT EXISTS", Op.ADD_COLUMN: "IF NOT EXISTS",
          Op.DROP_INDEX: "IF EXISTS", Op.DROP_TABLE: "IF EXISTS", Op.DROP_COLUMN: "IF EXISTS"}  # fmt: skip
#: where the words go: after the keyword that names the object
_AFTER = {Op.CREATE_INDEX: r"\bINDEX(\s+CONCURRENTLY)?", Op.CREATE_TABLE: r"\bTABLE", Op.ADD_COLUMN: r"\bADD(\s+COLUMN)?",
          Op.DROP_INDEX: r"\bINDEX(\s+CONCURRENTLY)?", Op.DROP_TABLE: r"\bTABLE", Op.DROP_COLUMN: r"\bDROP(\s+COLUMN)?"}  # fmt: skip


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops in each_migration(cs, {"postgres"}):
        if ops.transactional and not any(o.outside_transaction for o in ops.operations):
            continue  # Alembic's autocommit_block() takes single operations out of the transaction
        lines = cs.texts.get(m.path, "").splitlines()
        in_block = False
        for op in ops.operations:
            if op.kind is Op.BEGIN:
                in_block = True
            elif op.kind is Op.COMMIT:
                in_block = False
            elif (op.kind in _GUARD and op.guarded is False and not in_block and not op.temporary
                  and (not ops.transactional or op.outside_transaction)):  # fmt: skip
                dsl = op.detail.islower()  # a schema method (`add_index`), not SQL (`CREATE INDEX`)
                words = traits_of(m.framework).guard_options.get(_GUARD[op.kind], _GUARD[op.kind]) if dsl else _GUARD[op.kind]
                suggestion = None if dsl else _guarded_line(lines, op.line, _AFTER[op.kind], words)
                found = finding(
                    ID,
                    SEVERITY,
                    m,
                    op,
                    f"No transaction wraps this migration: if it fails after this statement, running it again stops "
                    f"here (`{op.detail}` without `{words}`).",
                    f"Add `{words}`, so the migration can be run again after a partial failure.",
                    suggestion=False,
                )
                yield replace(found, suggestion=suggestion, suggestion_lines=(op.line, op.line)) if suggestion else found


def _guarded_line(lines: list[str], line: int, after: str, words: str) -> str | None:
    """The statement's line with the guard inserted, when the keyword appears once on it."""
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    found = list(re.finditer(after, text, re.IGNORECASE))
    if len(found) != 1:
        return None
    end = found[0].end()
    return f"{text[:end]} {words}{text[end:]}"
