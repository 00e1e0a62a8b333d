"""Flyway: ``V<version>__<desc>.sql``, ``U<version>__<desc>.sql`` (undo), ``R__<desc>.sql`` (repeatable).

Order: the version compared numerically part by part (``1.10`` > ``1.9``; ``.`` and ``_`` both
separate parts). Rollback: the ``U`` file of the same version. Undo is a paid Flyway edition
feature, so a missing ``U`` file is only a notice by default; an empty one is an error.
Repeatable files are re-applied whenever their checksum changes, so editing them is expected.

Transactions, as Flyway runs them on PostgreSQL: each migration in a transaction Flyway opens
(`executeInTransaction`, default true), unless its statements cannot run in one (Flyway's own list:
`CREATE`/`DROP INDEX CONCURRENTLY`, `VACUUM`, `REINDEX SCHEMA|DATABASE|SYSTEM`, `CREATE`/`DROP
DATABASE`, `ALTER SYSTEM`): a migration of only such statements runs outside a
transaction; one mixing both kinds fails ("Detected both transactional and non-transactional
statements") unless `mixed` is on. A script configuration file `<file>.sql.conf` with
`executeInTransaction=false` runs the migration outside a transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.core.model import DatabaseSource, Migration, Role, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps, Op, Operation
from bot.core.traits import Identity, Traits
from bot.core.versions import canonical_version, version_parts
from bot.frameworks._database_files import RepoFiles, named_in
from bot.frameworks.base import Candidate, Framework, ParseResult, PathIndex, attach_rollback_files, base_name
from bot.syntax.sqltext import is_blank_sql

VERSIONED = re.compile(r"^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql\Z", re.DOTALL)
#: SQL callbacks Flyway runs around its commands (`beforeMigrate.sql`, `afterEachMigrate__x.sql`)
CALLBACK = re.compile(r"^(before|after)[A-Z][A-Za-z]*(__.*)?\.sql$")
REPEATABLE = re.compile(r"^R__(.+)\.sql\Z", re.DOTALL)


_FLYWAY_CONFIG = re.compile(r"(^|/)(flyway\.(conf|toml)|application(-\w+)?\.(properties|ya?ml))$")
_JDBC = re.compile(r"jdbc:([a-z0-9]+):")

class Flyway(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.sql",)
    stray_globs = ("*.sql",)
    name_form = "`V<version>__<description>.sql` (or `U`, `R__`)"

    def runs_as_other_file(self, name: str) -> bool:
        return bool(CALLBACK.match(name)) or name.endswith(".sql.conf")
    name = "flyway"
    looks_in = 'Flyway `V<version>__<desc>.sql`'
    sql_files = True
    traits = Traits(
        display="Flyway",
        identity=Identity.VERSION,
        duplicate_effect='Flyway refuses to migrate ("Found more than one migration with version")',
        out_of_order_effect="Flyway refuses to migrate (a resolved migration older than the applied ones) "
        "unless outOfOrder is on",
        edit_effect="Flyway's validate fails with a checksum mismatch on every deployed database",
        no_transaction_fix="Flyway runs a migration outside its transaction only when every statement in it must "
        "(a file of only `CREATE INDEX CONCURRENTLY` statements), or when `<file>.sql.conf` says "
        "`executeInTransaction=false`: move the concurrent statement to its own migration, or add that file.",
    )

    def aux_wanted(self, index: PathIndex) -> list[str]:
        """Script configuration files (``V1__x.sql.conf``): they can take a migration out of Flyway's transaction."""
        return [p for p, _d, n in index.entries if n.endswith(".sql.conf") and p.removesuffix(".conf") in index.paths]

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """The JDBC URL of Flyway's configuration (``flyway.conf``, ``flyway.toml``, Spring's
        ``application.properties``/``.yml``)."""
        places = sorted(p for p in files.paths if _FLYWAY_CONFIG.search(p))
        return named_in(files, places, _JDBC)

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        """Flyway's transaction, not PostgreSQL's implicit one: a ``COMMIT`` in the file ends it."""
        ops = super().operations(path, text, dialect)
        kinds = [_runs_outside_transaction(o) for o in ops.operations]  # every statement counts, SET and SELECT too
        only_outside = bool(kinds) and all(kinds)
        return replace(ops, transactional=not only_outside, implicit=False)

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        return [
            Candidate(self.name, p, d or ".", strict=True)
            for p, d, n in index.entries
            if n.endswith(".sql") and n[:1] in "VUR" and (VERSIONED.match(n) or REPEATABLE.match(n))
        ]

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        base = base_name(candidate.path)
        common: dict[str, Any] = {
            "framework": self.name,
            "path": candidate.path,
            "blob_sha": blob_sha,
            "namespace": candidate.namespace,
        }
        repeatable = REPEATABLE.match(base)
        if repeatable:
            return Migration(key=repeatable.group(1), name=repeatable.group(1), role=Role.REPEATABLE, **common)
        found = VERSIONED.match(base)
        assert found is not None  # select() only lets matching names through
        prefix, version, description = found.groups()
        if prefix == "U":
            empty = is_blank_sql(text)
            return Migration(
                key=canonical_version(version),
                name=description,
                role=Role.UNDO,
                rollback=(RollbackIssue(RollbackProblem.EMPTY, 1, "has an empty undo file", candidate.path),)
                if empty
                else (),
                **common,
            )
        return Migration(
            key=canonical_version(version),
            name=description,
            order=version_parts(version),
            key_line=1,
            **common,
        )

    def link(
        self, migrations: Sequence[Migration], aux: Mapping[str, str], memo: dict[object, Migration]
    ) -> list[Migration]:
        outside = {p.removesuffix(".conf") for p, text in aux.items() if p.endswith(".sql.conf") and _no_transaction(text)}
        migrations = [replace(m, runs_in_transaction=False) if m.path in outside else m for m in migrations]
        return attach_rollback_files(
            migrations,
            Role.UNDO,
            lambda m: RollbackIssue(RollbackProblem.UNDO_MISSING, 1, f"has no undo file `U{m.key}__{m.name}.sql`"),
        )


_EXECUTE_IN_TRANSACTION = re.compile(r"^\s*(?:flyway\.)?executeInTransaction\s*=\s*false\s*$", re.MULTILINE | re.IGNORECASE)


def _no_transaction(conf: str) -> bool:
    """A script configuration file that says ``executeInTransaction=false``."""
    return bool(_EXECUTE_IN_TRANSACTION.search(conf))


def _runs_outside_transaction(op: Operation) -> bool:
    """Flyway's PostgreSQL parser's list of statements that cannot run in a transaction."""
    if op.kind in (Op.CREATE_INDEX, Op.DROP_INDEX):
        return op.concurrently
    if op.kind in (Op.DROP_DATABASE, Op.REWRITE_TABLE):
        return op.detail != "CLUSTER"
    words = op.detail.upper().split()
    return words[:1] == ["VACUUM"] or words[:2] in (["ALTER", "SYSTEM"], ["CREATE", "DATABASE"])
