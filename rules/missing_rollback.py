"""A migration added or changed by the change cannot be rolled back.

What goes wrong: when a deploy goes bad, the fastest way back is to roll the release back,
including its migrations. A migration without a working down part (no `downgrade()`, an empty
one, no `-- migrate:down` / `-- +goose Down` section, no `.down.` file, a Django `RunPython`
without `reverse_code` or `RunSQL` without `reverse_sql`) turns that into an outage spent
writing SQL by hand under pressure; some tools silently do nothing and report success.

Safe alternative: write the reverse operation now, while the change is fresh. When the
migration truly cannot be reversed (it drops data), say so explicitly: make `downgrade()`
raise, or give `RunPython` a reverse that raises, so the rollback stops loudly. Django offers
`migrations.RunPython.noop` and `migrations.RunSQL.noop` for steps that need no reverse.
Prisma has no down migrations by design: generate one with
`prisma migrate diff --from-schema-datamodel prisma/schema.prisma --to-schema-datasource ... --script`.
Flyway undo (`U` files) needs a paid edition; without it, plan a forward fix instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bot.core.model import ChangeSet, ChangeStatus, Finding, Migration, Role, RollbackProblem, Severity
from bot.core.operations import HARMLESS, Op
from bot.syntax.dialects import runs_on

ID = "missing-rollback"
SEVERITY = Severity.ERROR
SUMMARY = "A migration added or changed by the change cannot be rolled back."
GROUP = "rollback"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'no down part, an empty one (unless the up part is empty too, or only changes data), `RunPython`/`RunSQL` without reverse, a deleted `.down.`/`U` file; warning when irreversible on purpose; notice for Prisma and Flyway without `U`'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD COLUMN age int;\n-- +goose Down',
        'ALTER TABLE users ADD COLUMN age int;\n-- +goose Down\nALTER TABLE users DROP COLUMN age;',
    ),
    'alembic': (
        '    op.add_column("users", sa.Column("age", sa.Integer()))',
        '    op.add_column("users", sa.Column("age", sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column("users", "age")',
    ),
    'django': (
        '    operations = [\n        migrations.RunSQL("UPDATE users_user SET email = lower(email)"),\n    ]',
        '    operations = [\n        migrations.RunSQL("UPDATE users_user SET email = lower(email)", reverse_sql=migrations.RunSQL.noop),\n    ]',
    ),
    'rails': (
        '  def change\n    execute "UPDATE users SET email = lower(email)"\n    add_column :users, :age, :integer\n  end',
        '  def change\n    add_column :users, :age, :integer\n  end',
    ),
}

_SEVERITY = {
    RollbackProblem.DECLARED_IRREVERSIBLE: Severity.WARNING,
    RollbackProblem.BY_DESIGN: Severity.NOTICE,
    RollbackProblem.UNDO_MISSING: Severity.NOTICE,
}
_HELP = {
    RollbackProblem.MISSING: "Write the down part that reverses this migration.",
    RollbackProblem.EMPTY: "Write the operations that reverse this migration.",
    RollbackProblem.IRREVERSIBLE_OPERATION: "Make every step of the forward part reversible.",
    RollbackProblem.DECLARED_IRREVERSIBLE: "Irreversible on purpose: make sure the deploy plan has a forward fix.",
    RollbackProblem.BY_DESIGN: "Prisma has no down migrations; write one with `prisma migrate diff ... --script` "
    "and keep it beside the migration for emergencies.",
    RollbackProblem.UNDO_MISSING: "Add the `U` file if you use Flyway undo (paid editions); otherwise plan a "
    "forward fix.",
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    ups: dict[tuple[str, str, str], Migration] = {}

    def up_of(m: Migration) -> Migration | None:
        """The forward migration of a down or undo file (the head indexed on the first question:
        most changes, and every re-checked suggestion, ask none)."""
        if not ups:
            ups.update({(u.framework, u.namespace, u.key): u for u in cs.head.migrations if u.role is Role.UP})
        return ups.get((m.framework, m.namespace, m.key))

    judged: set[str] = set()
    for m in cs.judged_migrations():
        up: Migration | None = m
        if m.role in (Role.DOWN, Role.UNDO):
            up = up_of(m)  # an edited down file: judge its migration
        if up is None or up.role is not Role.UP or up.path in judged:
            continue
        judged.add(up.path)
        for issue in up.rollback:
            if issue.problem is RollbackProblem.EMPTY and _only_changes_data(cs, up):
                continue
            if issue.only_on and not runs_on(issue.only_on, cs.operations(up).dialect):
                continue  # in a branch for another database adapter
            if issue.problem in (RollbackProblem.MISSING, RollbackProblem.EMPTY) and _only_adds_enum_values(cs, up):
                yield Finding(ID, Severity.NOTICE, issue.path or up.path, issue.line,
                              f"{_subject(up.path, issue.path)} cannot be rolled back: it {issue.detail}, and all it does is "
                              "add enum values, which PostgreSQL cannot remove (there is no `ALTER TYPE ... DROP VALUE`).",
                              "Nothing to write: a down part could only leave the values. Plan a forward fix if one "
                              "must go (a new type, the column moved to it).", up.framework)  # fmt: skip
                continue
            yield Finding(
                ID,
                _SEVERITY.get(issue.problem, SEVERITY),
                issue.path or up.path,
                issue.line,
                f"{_subject(up.path, issue.path)} cannot be rolled back: it {issue.detail}."
                if issue.problem is not RollbackProblem.DECLARED_IRREVERSIBLE
                else f"{_subject(up.path, issue.path)} is declared irreversible: {issue.detail}.",
                issue.help or _HELP[issue.problem],
                up.framework,
            )
    yield from _deleted_rollback_files(cs, up_of, judged)


def _only_adds_enum_values(cs: ChangeSet, m: Migration) -> bool:
    """The forward part only adds values to enum types (and sets, begins, comments)."""
    ops = cs.operations(m).operations
    return any(o.kind is Op.ADD_ENUM_VALUE for o in ops) and all(o.kind is Op.ADD_ENUM_VALUE or o.kind in HARMLESS for o in ops)


def _only_changes_data(cs: ChangeSet, m: Migration) -> bool:
    """A backfill (`UPDATE ...`) whose down part is empty rolls back by leaving the data as it is,
    which is what its author meant (Django says it with `RunPython.noop`): not a missing rollback.
    Anything else in the up part (schema, SQL we could not read) keeps the finding."""
    ops = cs.operations(m).operations
    return bool(ops) and all(o.kind is Op.DATA or o.kind in HARMLESS for o in ops) and any(o.kind is Op.DATA for o in ops)


def _deleted_rollback_files(
    cs: ChangeSet, up_of: Callable[[Migration], Migration | None], judged: set[str]
) -> Iterator[Finding]:
    """A deleted `.down.` or `U` file whose forward migration stays: its rollback is gone, even
    when the forward migration itself already ran and is not touched."""
    base = cs.base.by_path()
    for change in cs.changes:
        if change.status is not ChangeStatus.DELETED or change.old_path is None:
            continue
        gone = cs.deployed_migrations.get(change.old_path) or base.get(change.old_path)
        if not isinstance(gone, Migration) or gone.role not in (Role.DOWN, Role.UNDO):
            continue
        up = up_of(gone)
        if up is None or up.path in judged:
            continue
        judged.add(up.path)
        kind = "rollback" if gone.role is Role.DOWN else "undo migration"
        yield Finding(
            ID,
            SEVERITY if gone.role is Role.DOWN else Severity.NOTICE,
            up.path,
            None,
            f"This migration cannot be rolled back any more: this change deletes its {kind} `{change.old_path}`.",
            f"Restore `{change.old_path}`.",
            up.framework,
        )


def _subject(up_path: str, finding_path: str | None) -> str:
    """The migration, named only when the finding sits on another file (its separate down file):
    a comment or summary heading already names the file it is on."""
    return "This migration" if finding_path in (None, up_path) else f"`{up_path}`"
