"""Core records shared by the CLI, the GitHub App, the framework adapters and the rules.

Everything here is plain, typed and immutable, with no I/O: a ``ChangeSet`` holds all a rule
needs, so rules are pure functions that the CLI (fed by local git) and the App (fed by the
GitHub API) run identically.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from bot.core.operations import MigrationOps

if TYPE_CHECKING:
    from bot.core.config import Config
    from bot.core.schema import Schema


class Severity(enum.IntEnum):
    """Ordered so that ``max()`` gives the worst one."""

    NOTICE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


class Role(enum.StrEnum):
    """What a migration file is for; only ``UP`` files carry an ordering key."""

    UP = "up"  # a forward migration (possibly holding its own rollback section)
    DOWN = "down"  # a separate rollback file (golang-migrate ``.down.``)
    UNDO = "undo"  # a Flyway ``U`` file
    REPEATABLE = "repeatable"  # a Flyway ``R__`` file: re-run whenever its checksum changes


class RollbackProblem(enum.StrEnum):
    MISSING = "missing"  # no down part at all
    EMPTY = "empty"  # a down part that does nothing
    IRREVERSIBLE_OPERATION = "irreversible-operation"  # e.g. RunPython without reverse_code
    DECLARED_IRREVERSIBLE = "declared-irreversible"  # the author says so on purpose (raise ...)
    BY_DESIGN = "by-design"  # the tool has no down migrations (Prisma)
    UNDO_MISSING = "undo-missing"  # Flyway community edition: undo is a paid feature


@dataclass(frozen=True)
class RollbackIssue:
    problem: RollbackProblem
    line: int | None
    detail: str
    path: str | None = None  # where the fix goes when it is another file (a `.down.` or `U` file)
    help: str = ""  # the fix in the framework's own terms (its down construct, how it declares irreversible)
    only_on: tuple[str, ...] = ()  # adapter branches it sits in (`bot.syntax.dialects.runs_on`); empty: everywhere


@dataclass(frozen=True)
class Migration:
    """One migration file as its framework sees it.

    ``key`` is the identity the framework records in the database (a version, a revision id, a
    Django migration name). ``namespace`` scopes keys: a Django app label, an Alembic script
    directory, the directory of a version-ordered tool. ``order`` is the numeric sort key of
    version-ordered frameworks; graph frameworks leave it ``None`` and fill ``parents``.
    """

    framework: str
    path: str
    blob_sha: str
    key: str
    name: str
    namespace: str
    role: Role = Role.UP
    order: tuple[int, ...] | None = None
    parents: tuple[str, ...] = ()
    key_line: int | None = None
    parents_line: int | None = None
    branch_labels: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    rollback: tuple[RollbackIssue, ...] = ()
    #: what the runner's settings outside the file say (Flyway's ``<file>.sql.conf`` with
    #: ``executeInTransaction=false``); None: the file and the tool's defaults decide
    runs_in_transaction: bool | None = None
    #: what the runner sets for every migration: session settings (``lock_timeout`` from
    #: strong_migrations' initializer, a ``SET`` in Alembic's env.py), satisfied before line 1; and
    #: ``transaction_per_migration`` (Alembic's env.py: one transaction per revision, not per run)
    runner_sets: tuple[str, ...] = ()

    @property
    def node(self) -> str:
        """Graph node id: unique within the framework (Django keys are per app label)."""
        return f"{self.namespace}:{self.key}"


@dataclass(frozen=True)
class ParseFailure:
    """A file that looks like a migration but cannot be read; reported, never skipped."""

    framework: str
    path: str
    blob_sha: str
    line: int | None
    message: str


class ChangeStatus(enum.StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"


@dataclass(frozen=True)
class FileChange:
    """One file changed between the merge base and the head, as a pull request shows it.

    ``changed_lines`` are the head-side line numbers added or modified by the change: the only
    lines a review comment may target. ``first_changed_line`` is where a modification starts on
    the head side (also right for a hunk that only deletes lines).
    """

    status: ChangeStatus
    path: str  # head-side path; for a deletion, the deleted path
    old_path: str | None = None  # base-side path for modifications, renames and deletions
    old_blob: str | None = None
    new_blob: str | None = None
    first_changed_line: int | None = None
    changed_lines: frozenset[int] = frozenset()
    whitespace_only: bool = False
    #: the edit changes nothing that runs (whitespace; for code, also comments, docstrings, import order)
    same_code: bool = False
    context_lines: frozenset[int] = frozenset()  # unchanged lines the diff shows (commentable too)

    @property
    def commentable_lines(self) -> frozenset[int]:
        return self.changed_lines | self.context_lines


@dataclass(frozen=True)
class MigrationSet:
    """The migrations of one tree, indexed the ways rules look them up."""

    migrations: tuple[Migration, ...] = ()
    failures: tuple[ParseFailure, ...] = ()

    def by_path(self) -> Mapping[str, Migration]:
        return self._by_path

    @cached_property
    def _by_path(self) -> dict[str, Migration]:
        """Built once: rules ask per change, and a large repository's tree holds thousands."""
        return {m.path: m for m in self.migrations}

    def with_migration(self, changed: Migration) -> MigrationSet:
        """The same set with the migration at ``changed.path`` replaced (a suggestion re-checked)."""
        index = next((i for i, m in enumerate(self.migrations) if m.path == changed.path), None)
        if index is None:
            return self
        after = replace(self, migrations=(*self.migrations[:index], changed, *self.migrations[index + 1 :]))
        if "_by_path" in self.__dict__:  # a copy, not a rebuild of the index per re-checked suggestion
            after.__dict__["_by_path"] = {**self._by_path, changed.path: changed}
        return after

    def paths(self) -> frozenset[str]:
        return frozenset(m.path for m in self.migrations) | frozenset(f.path for f in self.failures)

    def framework_of(self, path: str) -> str | None:
        for m in self.migrations:
            if m.path == path:
                return m.framework
        for f in self.failures:
            if f.path == path:
                return f.framework
        return None


@dataclass(frozen=True)
class OpenPrMigration:
    """A migration another open pull request adds (the App's index; for cross-PR collisions)."""

    pr: int
    framework: str
    namespace: str
    key: str
    parents: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class RefInfo:
    """A ref as the user named it and the commit it resolved to, for reports."""

    name: str
    sha: str


#: a directory named after a database holds that database's migrations (`migrations/mysql/`,
#: `assets/migrations/sqlite/`): a project that supports several keeps one directory each
_DIALECT_DIRECTORIES = {"mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "sqlite3": "sqlite",
                        "postgres": "postgres", "postgresql": "postgres", "pg": "postgres", "mssql": "sqlserver",
                        "sqlserver": "sqlserver"}  # fmt: skip


@dataclass(frozen=True)
class DatabaseSource:
    """The database a migration directory runs on, and the file that says so (``Framework.database``)."""

    dialect: str  # as the analysers name it: postgres, mysql, sqlite, tsql
    source: str  # "config/database.yml", "migration_lock.toml"


def dialect_named_by(path: str) -> str | None:
    """The database a migration's directory is named after, the deepest such directory first."""
    for part in reversed(path.split("/")[:-1]):
        dialect = _DIALECT_DIRECTORIES.get(part.lower())
        if dialect is not None:
            return dialect
    return None


@dataclass(frozen=True)
class ReplayStep:
    """One migration of a database's replay: its forward text, whether it already ran where the
    change is deployed, and whether it is judged (touched by the change) or only applied."""

    path: str
    framework: str
    blob_sha: str
    text: str
    deployed: bool
    judged: bool


@dataclass(frozen=True)
class ChangeSet:
    """Everything a rule may look at; nothing a rule must fetch.

    ``head`` holds the migrations at the head commit, ``base`` those at the base branch tip,
    ``merged`` the result of applying the change to the base tip (what main will hold after the
    merge). ``touched`` are the
    head-side paths the change adds, modifies or renames: the only migrations rules judge.
    """

    head: MigrationSet
    base: MigrationSet
    merged: MigrationSet
    changes: tuple[FileChange, ...]
    deployed_paths: frozenset[str]
    deployed_migrations: Mapping[str, Migration | ParseFailure]
    touched: frozenset[str]
    texts: Mapping[str, str] = field(default_factory=dict)  # head-side text of touched files
    base_ref: RefInfo | None = None
    head_ref: RefInfo | None = None
    deployed_ref: RefInfo | None = None
    config: Config | None = None
    #: (framework, namespace) -> the database its configuration names (``Framework.database``)
    databases: Mapping[tuple[str, str], DatabaseSource] = field(default_factory=dict)
    other_prs: tuple[OpenPrMigration, ...] = ()  # what other open pull requests add (App only)
    notes: tuple[str, ...] = ()  # what the reader must know about what was (not) checked
    #: per database (``framework:namespace``), the forward migrations replayed into its schema, in
    #: the tool's order, up to the last judged one (``Framework.replay_order``); a database none of
    #: whose judged migrations needs the schema before it is not replayed
    replays: Mapping[str, tuple[ReplayStep, ...]] = field(default_factory=dict)
    #: what each judged forward migration does, by path, judged against the schema before it; filled
    #: by the engine (``bot.pipeline.engine``), which analyses untrusted text in child processes
    analysed: Mapping[str, MigrationOps] = field(default_factory=dict)
    #: the part of the schema before each judged migration that it names (``Schema.view``)
    schemas: Mapping[str, Schema] = field(default_factory=dict)

    def dialect_of(self, m: Migration) -> str:
        """The SQL dialect a migration runs on: the configured one where the configuration says
        it, else what the repository says of its directory (its tool's configuration, then the
        directory's name), else PostgreSQL."""
        return self.database_of(m)[0]

    def database_of(self, m: Migration) -> tuple[str, str | None]:
        """The dialect a migration runs on and why (``None``: assumed, nothing says it)."""
        if self.config is not None and self.config.dialect is not None:
            return self.config.dialect, "the configuration's `dialect`"
        found = self.databases.get((m.framework, m.namespace))
        if found is not None:
            return found.dialect, found.source
        named = dialect_named_by(m.path)
        return (named, "its directory's name") if named is not None else ("postgres", None)

    def operations(self, m: Migration) -> MigrationOps:
        """What a judged migration does; no operations for history, rollback files and files
        without text (history is never analysed)."""
        ops = self.analysed.get(m.path) or MigrationOps(dialect=self.dialect_of(m))
        runner_off = self.config is not None and self.config.transactions.get(m.framework) == "none"
        if (m.runs_in_transaction is False or runner_off) and ops.transactional:
            # made once per migration: every rule asks, and each copy would index its operations again
            if m.path not in self._outside_transaction:
                self._outside_transaction[m.path] = replace(ops, transactional=False, implicit=False)
            return self._outside_transaction[m.path]
        return ops

    @cached_property
    def _outside_transaction(self) -> dict[str, MigrationOps]:
        """Migrations the runner's settings take out of a transaction, as the rules see them."""
        return {}

    def touched_migrations(self) -> Iterable[Migration]:
        return self._touched

    @cached_property
    def _touched(self) -> tuple[Migration, ...]:
        """Found once: every rule asks, and the head of a large repository holds thousands."""
        return tuple(m for m in self.head.migrations if m.path in self.touched)

    @cached_property
    def rerun_paths(self) -> frozenset[str]:
        """Head-side paths of changed files that were forward migrations at the deployed ref.

        Such a file will not run again where it already ran, so only its edit is reported
        (``deployed-migration-modified``); no rule re-judges what it does.
        """
        return frozenset(
            c.path
            for c in self.changes
            if c.status in (ChangeStatus.MODIFIED, ChangeStatus.RENAMED)
            and c.old_path is not None
            and isinstance(before := self.deployed_migrations.get(c.old_path), Migration)
            and before.role is Role.UP
        )

    def judged_migrations(self) -> Iterable[Migration]:
        """Touched migrations whose content will run: added ones and edits of undeployed ones.

        Content rules (zero-downtime, rollback, naming, focus) read these; history rules
        (ordering, collisions, parents) still read every touched migration.
        """
        skip = self.rerun_paths
        for m in self.touched_migrations():
            if m.path not in skip:
                yield m

    def judged_forward(self) -> tuple[tuple[Migration, MigrationOps], ...]:
        """The judged forward migrations with what they do, as the content rules read them."""
        return self._judged_forward

    @cached_property
    def _judged_forward(self) -> tuple[tuple[Migration, MigrationOps], ...]:
        """Found once: forty rules walk them (``rules._operations.each_migration``)."""
        return tuple((m, self.operations(m)) for m in self.judged_migrations() if m.role is Role.UP)

    def added_paths(self) -> frozenset[str]:
        return self._added

    @cached_property
    def _added(self) -> frozenset[str]:
        return frozenset(c.path for c in self.changes if c.status is ChangeStatus.ADDED)

    def rewritten(self, changed: Migration, text: str, ops: MigrationOps) -> ChangeSet:
        """This change set with one judged migration rewritten (a suggestion applied in memory)
        and judged alone: only its findings are compared. What the rules index over the whole
        change is carried over, not found again: re-checking a hundred suggestions over a change
        of thousands of files must not scan it a hundred times."""
        after = replace(
            self,
            head=self.head.with_migration(changed),
            merged=self.merged.with_migration(changed),
            texts={**self.texts, changed.path: text},
            analysed={**self.analysed, changed.path: ops},
            touched=frozenset({changed.path}),
        )
        # the rewrite changes the file's text, not which files changed or how
        after.__dict__.update(_touched=(changed,), rerun_paths=self.rerun_paths, _added=self._added)
        return after

    @property
    def branch_name(self) -> str:
        return self.base_ref.name if self.base_ref else "the base branch"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    line: int | None
    message: str
    help: str
    framework: str
    end_line: int | None = None
    suggestion: str | None = None  # replacement text (lines joined by newlines) for ``suggestion_lines``
    #: the lines (first, last; 1-based, inclusive) the suggestion replaces; ``None``: just ``line``
    suggestion_lines: tuple[int, int] | None = None

    @property
    def suggested_range(self) -> tuple[int, int] | None:
        """The lines a suggestion replaces, when there is one."""
        if self.suggestion is None:
            return None
        if self.suggestion_lines is not None:
            return self.suggestion_lines
        return (self.line, self.line) if self.line is not None else None

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.rule)
