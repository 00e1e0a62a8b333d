"""What a framework adapter provides.

Detection is two-step so that the App and the CLI can both feed it cheaply: ``select`` looks only
at paths (plus a few small auxiliary files such as ``alembic.ini``, read once), and ``parse``
turns one file's text into a ``Migration``. Parse results depend only on the framework, the
path, the blob SHA and the candidate's facts, so they are cached by blob SHA across runs.
``link`` then adds facts that need several files (a golang-migrate ``.down.`` file, a Django app
label inferred from its neighbours). No I/O happens in any of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.core.model import Migration, ParseFailure, Role, RollbackIssue
from bot.core.operations import Earlier, MigrationOps
from bot.core.traits import Traits


@dataclass(frozen=True)
class Candidate:
    """A path that may hold a migration of one framework.

    ``namespace`` scopes its key (for Django: the app folder, turned into a label by ``link``).
    ``strict`` means the directory is known to hold this framework's migrations, so a file that
    does not parse as one is reported instead of being ignored.
    """

    framework: str
    path: str
    namespace: str
    strict: bool = False


ParseResult = Migration | ParseFailure | None


class PathIndex:
    """A tree's paths, each split once into (directory, file name).

    Detection looks at every path of every tree it is given (tens of thousands in a large
    repository, three trees per run), so the split is done once and shared by all adapters.
    """

    def __init__(self, paths: Iterable[str]) -> None:
        self.entries: list[tuple[str, str, str]] = []
        for path in paths:
            directory, _, name = path.rpartition("/")
            self.entries.append((path, directory, name))
        self.paths: frozenset[str] = frozenset(e[0] for e in self.entries)
        self.memo: dict[str, object] = {}  # adapters keep per-tree results here (select is asked twice)

    def under(self, directory: str) -> PathIndex:
        return PathIndex(e[0] for e in self.entries if under(e[0], directory))


#: statements judged against the schema before them: a column's new type, an index dropped by name
NEEDS_SQL_HISTORY = re.compile(r"\bTYPE\b|\bMODIFY\b|\bDROP\s+(INDEX|COLUMN)\b|\bRENAME\s+COLUMN\b", re.IGNORECASE)
#: a multi-line suggestion spans at most this many lines (a reviewer must be able to read it)
MAX_FIX_SPAN = 40
#: the most recent earlier migrations replayed (a long directory's oldest files rarely matter and cost time)
MAX_SQL_HISTORY = 2_000


class Framework:
    """Base class: adapters override what they need."""

    name: str = ""
    #: what the tool is like, for the rules (every adapter states its own)
    traits: Traits
    #: shell globs of the file names this tool can run; diffs and blob reads stay within them
    file_globs: tuple[str, ...] = ()
    #: files in a directory holding its migrations that look like SQL but that the tool never runs
    #: (a misnamed file passes every check in silence; it is reported instead)
    stray_globs: tuple[str, ...] = ()
    #: the file name the tool needs, for that report
    name_form: str = ""

    def runs_as_other_file(self, name: str) -> bool:
        """A stray-looking file the tool does use otherwise (Flyway's `afterMigrate.sql` callbacks)."""
        return False
    #: what a file in a directory of this framework lacks when ``parse`` did not recognise it
    unrecognised_message: str | None = None

    def aux_wanted(self, index: PathIndex) -> list[str]:
        """Small files (configuration, ``apps.py``) that ``select``/``link`` want to read."""
        return []

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        """Candidates found by looking at paths only."""
        raise NotImplementedError

    def select_in(self, directory: str, index: PathIndex) -> list[Candidate]:
        """Candidates inside a directory the configuration assigns to this framework: there, a
        file that does not parse as one of its migrations is an error, not someone else's file."""
        return [replace(c, strict=True) for c in self.select(index.under(directory), {})]

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        """One file's migration record; ``None`` when the file is not one after all."""
        raise NotImplementedError

    def operations(self, path: str, text: str, dialect: str, history: Sequence[Earlier] = ()) -> MigrationOps:
        """What the migration's forward part does, as schema operations (for the zero-downtime
        rules). ``history``: the texts ``history_of`` asked for, oldest first, to judge an
        operation against the schema before it (a Django ``AlterField`` against the field it replaces). Default: the whole file is SQL run in one transaction when it holds several statements
        (PostgreSQL runs a multi-statement script in an implicit transaction)."""
        from bot.syntax.sql_operations import (  # lazy: sqlglot loads only when a migration is analysed
            normalise_dialect,
            sql_operations,
        )

        ops = sql_operations(text, dialect)
        if history:
            from bot.syntax.sql_state import judge_with_history  # lazy: sqlglot, as above

            ops = judge_with_history(ops, (self.up_sql(e.text) for e in history), dialect)
        return MigrationOps(tuple(ops), transactional=len(ops) > 1, implicit=True, dialect=normalise_dialect(dialect))

    #: its migrations are SQL files: the default ``operations`` reads them, and ``history_of``
    #: replays the directory's earlier forward SQL where a statement needs the schema before it
    sql_files: bool = False

    def history_of(self, m: Migration, text: str, migrations: Sequence[Migration]) -> list[Migration]:
        """The earlier migrations whose texts ``operations`` needs for ``m`` (oldest first). Read
        from ``migrations`` (the head's), so the pipeline can fetch them. Default: for SQL files
        with a type change or a dropped index, the earlier forward migrations of the directory."""
        if not self.sql_files or not NEEDS_SQL_HISTORY.search(text):
            return []
        return earlier_by_order(m, migrations)

    def up_sql(self, text: str) -> str:
        """The forward SQL of one of its files (the whole file, unless sections say otherwise)."""
        return text

    def same_code(self, before: str, after: str) -> bool:
        """Whether an edit changes nothing the tool runs. Default (SQL): the same words in the same
        order, only the whitespace between them differs."""
        return before.split() == after.split()

    def namespace_dialect(self, namespace: str, read: Callable[[str], str | None]) -> str | None:
        """The SQL dialect a namespace's migrations run on when the tool itself says it;
        ``None``: the configured one. ``read(path)`` is a file's text at head, if it exists."""
        return None

    def link(
        self, migrations: Sequence[Migration], aux: Mapping[str, str], memo: dict[object, Migration]
    ) -> list[Migration]:
        """Facts that need several files of the same tree; default: none.

        ``memo`` lives for one run: the trees of a run share most files, so an adapter may keep
        the linked version of a migration there instead of building it again for each tree.
        """
        return list(migrations)


#: a timeout given a value in runner code: `SET lock_timeout = ...`, `-c lock_timeout=5s`,
#: `StrongMigrations.lock_timeout = 10.seconds`
_TIMEOUT_SET = re.compile(r"\b(lock_timeout|statement_timeout)\b['\"]?\s*(?:=|\bTO\b)\s*+(?!['\"]?0\b)", re.IGNORECASE)


def timeouts_set_in(text: str) -> tuple[str, ...]:
    """The timeouts runner code (an initializer, Alembic's env.py) gives a non-zero value to."""
    lines = (line for line in text.splitlines() if not line.lstrip().startswith(("#", "//", "--")))
    return tuple(sorted({m.group(1).lower() for line in lines for m in _TIMEOUT_SET.finditer(line)}))


def earlier_by_order(m: Migration, migrations: Sequence[Migration]) -> list[Migration]:
    """The forward migrations of ``m``'s tool and namespace that sort before it, oldest first (the
    most recent ``MAX_SQL_HISTORY``): the history a version-ordered migration runs after."""
    if m.order is None:
        return []
    earlier = [x for x in migrations if x.framework == m.framework and x.namespace == m.namespace
               and x.role is Role.UP and x.order is not None and x.order < m.order]  # fmt: skip
    return sorted(earlier, key=lambda x: x.order or ())[-MAX_SQL_HISTORY:]


def attach_rollback_files(
    migrations: Sequence[Migration], role: Role, when_missing: Callable[[Migration], RollbackIssue]
) -> list[Migration]:
    """For tools whose rollback is a separate file (golang-migrate ``.down.``, Flyway ``U``):
    give each forward migration the state of its rollback file, or ``when_missing``."""
    companions = {(m.namespace, m.key): m for m in migrations if m.role is role}
    linked = []
    for m in migrations:
        if m.role is Role.UP:
            companion = companions.get((m.namespace, m.key))
            if companion is None:
                m = replace(m, rollback=(when_missing(m),))
            elif companion.rollback:
                m = replace(m, rollback=companion.rollback)
        linked.append(m)
    return linked


def parent_dir(path: str) -> str:
    return path.rpartition("/")[0]


def base_name(path: str) -> str:
    return path.rpartition("/")[2]


def under(path: str, directory: str) -> bool:
    directory = directory.strip("/")
    return directory in ("", ".") or path == directory or path.startswith(directory + "/")


def failure(candidate: Candidate, blob_sha: str, message: str, line: int | None = None) -> ParseFailure:
    return ParseFailure(candidate.framework, candidate.path, blob_sha, line, message)
