"""TypeORM: a class implementing ``MigrationInterface`` whose name ends in a 13-digit timestamp.

Files are usually ``<timestamp>-<Name>.ts`` in a ``migrations`` folder (compiled ``.js`` too).
Identity: the class name (TypeORM records it); order: the timestamp. Rollback:
``public async down(queryRunner)``; missing or empty means ``migration:revert`` does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core.model import DatabaseSource, Migration, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps, Op
from bot.core.textfile import UnreadableFile
from bot.core.traits import Identity, Traits
from bot.frameworks._database_files import RepoFiles, named_in
from bot.frameworks.base import NEEDS_SQL_HISTORY, Candidate, Framework, ParseResult, PathIndex, base_name, failure
from bot.syntax import treesitter as tsx
from bot.syntax.jsmodule import class_methods, does_nothing

FILE = re.compile(r"^(\d{13})-.+\.(?:ts|js|mts|cts|mjs|cjs)$")
SOURCE = (".ts", ".js", ".mts", ".cts", ".mjs", ".cjs")
STAMP = re.compile(r"(\d{13})$")


_DATA_SOURCE = re.compile(r"(^|/)(ormconfig\.(json|js|ts|ya?ml)|[\w.-]*data-?source\.(ts|js)|typeorm\.config\.(ts|js))$", re.IGNORECASE)
_TYPE = re.compile(r"""\btype['"]?\s*:\s*['"](postgres|mysql|mariadb|sqlite|better-sqlite3|mssql|cockroachdb|oracle|aurora-mysql|aurora-postgres)['"]""")

class TypeOrm(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.ts", "*.js", "*.mts", "*.cts", "*.mjs", "*.cjs")
    name = "typeorm"
    looks_in = 'TypeORM `MigrationInterface` classes'
    traits = Traits(
        prescan_calls=(
            ("renameColumn", Op.RENAME_COLUMN),
            ("dropColumn", Op.DROP_COLUMN),
            ("dropTable", Op.DROP_TABLE),
            ("renameTable", Op.RENAME_TABLE),
        ),
        timeouts_elsewhere="the data source's `extra` options",
        display="TypeORM",
        identity=Identity.VERSION,
        duplicate_effect="TypeORM refuses to run (duplicate migration names)",
        out_of_order_effect="TypeORM runs it after the newer one, an order nobody tested",
        versionless_names=True,
        concurrent_index_fix="Use `queryRunner.query('CREATE INDEX CONCURRENTLY ...')` and set `transaction = false` "
        "on the class.",
        no_transaction_fix="Set `transaction = false` on the migration class.",
    )

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        found = []
        for path, directory, name in index.entries:
            if name.endswith(".d.ts") or not name.endswith(SOURCE):
                continue
            if FILE.match(name) or base_name(directory) in ("migration", "migrations"):
                found.append(Candidate(self.name, path, directory or "."))
        return found

    def same_code(self, before: str, after: str) -> bool:
        """Comments, layout and (for scripts) a formatter's punctuation change nothing TypeORM runs
        (``bot.syntax.treesitter.same_tokens``)."""
        return super().same_code(before, after) or tsx.same_tokens(before, after, "typescript")

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """The ``type`` of the data source (``ormconfig.*``, a ``*data-source.ts``)."""
        places = sorted(p for p in files.paths if _DATA_SOURCE.search(p))
        return named_in(files, places, _TYPE)

    def needs_schema(self, text: str) -> bool:
        """A ``queryRunner.query`` retyping a column or dropping an index by name, or a
        ``changeColumn``: judged against the schema before it."""
        return "changeColumn" in text or NEEDS_SQL_HISTORY.search(text) is not None

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.frameworks.typeorm_operations import (
            typeorm_operations,  # lazy: sqlglot loads only when a migration is analysed
        )

        return typeorm_operations(path, text, dialect)

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        if "MigrationInterface" not in text and not FILE.match(base_name(candidate.path)):
            return None  # cheap exit for unrelated sources in a `migrations` folder
        try:
            root = tsx.parse(text, tsx.language_for(candidate.path) or "typescript")
        except UnreadableFile as exc:
            if FILE.match(base_name(candidate.path)) or candidate.strict:
                return failure(candidate, blob_sha, exc.message, exc.line)
            return None
        cls = next((n for n in tsx.walk(root) if n.type in ("class_declaration", "class") and _is_migration(n)), None)
        if cls is None:
            return (
                failure(candidate, blob_sha, "no class implementing `MigrationInterface`", 1)
                if candidate.strict
                else None
            )
        class_name = tsx.text(cls.child_by_field_name("name"))
        stamp = STAMP.search(class_name)
        if stamp is None:
            return failure(
                candidate,
                blob_sha,
                f"class `{class_name}` must end with a 13-digit timestamp: TypeORM refuses to run it",
                tsx.line(cls),
            )
        methods = class_methods(cls)
        if "down" not in methods:
            line = tsx.line(methods["up"]) if "up" in methods else tsx.line(cls)
            rollback: tuple[RollbackIssue, ...] = (RollbackIssue(RollbackProblem.MISSING, line, "has no `down` method", help='Write `public async down(queryRunner: QueryRunner)` with the queries that reverse `up`.'),)
        elif does_nothing(methods["down"]):
            rollback = (
                RollbackIssue(
                    RollbackProblem.EMPTY, tsx.line(methods["down"]), "has a `down` that does nothing", help='Write `public async down(queryRunner: QueryRunner)` with the queries that reverse `up`.'
                ),
            )
        else:
            rollback = ()
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=class_name,
            name=class_name[: stamp.start()],
            namespace=candidate.namespace,
            order=(int(stamp.group(1)),),
            key_line=tsx.line(cls),
            rollback=rollback,
        )


def _is_migration(cls: tsx.Node) -> bool:
    heritage = " ".join(tsx.text(c) for c in cls.children if c.type == "class_heritage")
    if "MigrationInterface" in heritage:
        return True
    methods = class_methods(cls)
    return "up" in methods and STAMP.search(tsx.text(cls.child_by_field_name("name"))) is not None
