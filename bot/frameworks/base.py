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

from bot.core.model import DatabaseSource, Migration, ParseFailure, Role, RollbackIssue
from bot.core.operations import MigrationOps, Operation
from bot.core.schema import Schema
from bot.core.traits import Traits
from bot.frameworks._database_files import RepoFiles, repository_database


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
NEEDS_SQL_HISTORY = re.compile(r"\bTYPE\b|\bMODIFY\b|\bDROP\s+(INDEX|COLUMN)\b|\bRENAME\b|\bSET\s+NOT\s+NULL\b", re.IGNORECASE)
#: a multi-line suggestion spans at most this many lines (a reviewer must be able to read it)
MAX_FIX_SPAN = 40
#: the most recent migrations of a database replayed (a bound on work: each is read once, so it is
#: linear, but a directory of tens of thousands of files is not replayed whole)
MAX_REPLAYED = 20_000


class Framework:
    """Base class: adapters override what they need."""

    name: str = ""
    #: where it looks for migrations, as said when nothing was found ("Rails `db/migrate/`")
    looks_in: str = ""
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

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        """What the migration's forward part does, as schema operations: facts only, judged later
        against the schema before it (``bot.pipeline.judging``), so one file's facts are computed
        once and cached by its blob. Default: the whole file is SQL run in one transaction when it
        holds several statements (PostgreSQL runs a multi-statement script in an implicit transaction)."""
        from bot.syntax.sql_operations import (  # lazy: sqlglot loads only when a migration is analysed
            normalise_dialect,
            sql_operations,
        )

        ops = sql_operations(text, dialect)
        return MigrationOps(tuple(ops), transactional=len(ops) > 1, implicit=True, dialect=normalise_dialect(dialect))

    #: its migrations are SQL files: the default ``operations`` reads them, and ``needs_schema``
    #: asks for the schema before a statement that is judged against it
    sql_files: bool = False

    def needs_schema(self, text: str) -> bool:
        """Whether a migration's judgement depends on the schema before it (a type change, an index
        dropped by name): then its database is replayed up to it. Default: for SQL files, those
        statements."""
        return self.sql_files and NEEDS_SQL_HISTORY.search(text) is not None

    def replay_order(self, judged: Sequence[Migration], migrations: Sequence[Migration]) -> list[Migration]:
        """The forward migrations of the judged ones' database, in the order the tool runs them, up
        to the last judged one (``judged`` included). Default: by version (``Migration.order``)."""
        return by_order(judged, migrations)

    def names_of(self, name: str, path: str) -> set[str]:
        """What earlier migrations may call a table or index that ``path`` names ``name`` (lower
        case): the earlier ones naming none of these are not read to judge it."""
        return {name}

    #: the schema replayed is the framework's own state of the models (Django's), which SQL the
    #: migrations run (``RunSQL``) never changes: DDL that could not be analysed leaves it as it is
    #: (elsewhere it may have changed anything, so what it touches becomes unknown)
    own_state: bool = False

    def judge(self, op: Operation, schema: Schema, dialect: str) -> list[Operation] | None:
        """What only this framework can tell about ``op`` from the schema before it; ``None``: the
        common judgement (``bot.pipeline.judging``)."""
        return None

    def state_forwards(self, schema: Schema, op: Operation, path: str, deployed: bool) -> None:
        """A change to the framework's idea of the schema only (``MigrationOps.state_changes``)."""

    def up_sql(self, text: str) -> str:
        """The forward SQL of one of its files (the whole file, unless sections say otherwise)."""
        return text

    def same_code(self, before: str, after: str) -> bool:
        """Whether an edit changes nothing the tool runs. Default (SQL): the same words in the same
        order, or the same statements as PostgreSQL's parser reads them (keyword case, comments,
        layout, PL/pgSQL bodies; ``bot.syntax.pg_compare``) with the tool's markers in place."""
        if before.split() == after.split():
            return True
        if not self.sql_files:
            return False
        from bot.syntax.pg_compare import same_statements  # lazy: pglast loads only for an edit

        return same_statements(before, after)

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """The database a namespace's migrations run on, as the repository says it
        (``bot.frameworks._database_files``); ``None``: it does not say. Default: what any project
        says (``.env.example``, ``docker-compose.yml``); a tool reads its own configuration first."""
        return repository_database(files)

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


def by_order(judged: Sequence[Migration], migrations: Sequence[Migration]) -> list[Migration]:
    """The forward migrations of the judged ones' tool and namespace, by version, up to the last
    judged one (the most recent ``MAX_REPLAYED``): the history a version-ordered database runs."""
    ordered = [m for m in judged if m.order is not None]
    if not ordered:
        return []
    last = max(m.order or () for m in ordered)
    scopes = {(m.framework, m.namespace) for m in ordered}
    chain = [x for x in migrations if (x.framework, x.namespace) in scopes and x.role is Role.UP
             and x.order is not None and x.order <= last]  # fmt: skip
    return sorted(chain, key=lambda x: x.order or ())[-MAX_REPLAYED:]


def by_graph(judged: Sequence[Migration], migrations: Sequence[Migration]) -> list[Migration]:
    """The ancestors of the judged migrations, parents first (depth first, without recursion:
    histories are long), the judged ones included: the order a graph-ordered tool (Django,
    Alembic) applies them in. Two judged leaves share their common ancestors once."""
    scopes = {(m.framework, m.namespace) for m in judged}
    nodes = {x.node: x for x in migrations if (x.framework, x.namespace) in scopes and x.role is Role.UP}
    order: list[Migration] = []
    seen: set[str] = set()
    for m in judged:
        stack: list[tuple[str, bool]] = [(m.node, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(nodes[node])
                continue
            if node in seen or node not in nodes:
                continue
            seen.add(node)
            stack.append((node, True))
            here = nodes[node]
            parents = (p if p in nodes else f"{here.namespace}:{p}" for p in reversed(here.parents))  # Alembic: bare ids
            stack.extend((p, False) for p in parents if p not in seen)
    return order[-MAX_REPLAYED:]


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
