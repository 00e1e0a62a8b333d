"""Laravel: ``database/migrations/YYYY_MM_DD_HHMMSS_name.php``.

Identity: the file name (the ``migrations`` table records it); order: the date prefix.
Rollback: ``down()``; missing, or holding only comments or the generated
``Schema::table('x', function (Blueprint $table) { // })`` skeleton, means a rollback does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core.model import DatabaseSource, Migration, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps, Op
from bot.core.textfile import UnreadableFile
from bot.core.traits import Identity, Traits
from bot.frameworks._database_files import RepoFiles, named_in, repository_database
from bot.frameworks.base import Candidate, Framework, ParseResult, PathIndex, base_name, failure
from bot.syntax import treesitter as tsx

FILE = re.compile(r"^(\d{4})_(\d{2})_(\d{2})_(\d{6})_(.+)\.php$")


_DEFAULT_CONNECTION = re.compile(r"""['"]default['"]\s*=>\s*env\(\s*['"]DB_CONNECTION['"]\s*,\s*['"](\w+)['"]""")

class Laravel(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.php",)
    name = "laravel"
    looks_in = 'Laravel `database/migrations/*.php`'
    traits = Traits(
        prescan_calls=(
            ("renameColumn", Op.RENAME_COLUMN),
            ("dropColumn", Op.DROP_COLUMN),
            ("Schema::drop", Op.DROP_TABLE),
            ("Schema::dropIfExists", Op.DROP_TABLE),
            ("Schema::rename", Op.RENAME_TABLE),
        ),
        timeouts_elsewhere="the connection's `options` in `config/database.php`",
        display="Laravel",
        identity=Identity.FILE_NAME,
        out_of_order_effect="`php artisan migrate` runs it after the newer one, an order nobody tested",
        concurrent_index_fix="Use `DB::statement('CREATE INDEX CONCURRENTLY ...')` and `public $withinTransaction = false;`.",
        no_transaction_fix="Add `public $withinTransaction = false;` to the migration class.",
    )

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        return [
            Candidate(self.name, p, d or ".", strict=True)
            for p, d, n in index.entries
            if n.endswith(".php") and FILE.match(n) and base_name(d) == "migrations"
        ]

    def same_code(self, before: str, after: str) -> bool:
        """Comments, layout and (for scripts) a formatter's punctuation change nothing Laravel runs
        (``bot.syntax.treesitter.same_tokens``)."""
        return super().same_code(before, after) or tsx.same_tokens(before, after, "php")

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """``DB_CONNECTION`` in ``.env.example``, else the default ``config/database.php`` gives it."""
        return repository_database(files) or named_in(files, ["config/database.php"], _DEFAULT_CONNECTION)

    def needs_schema(self, text: str) -> bool:
        """``->change()`` restates a column: judged against its type before it; a dropped or renamed column says what it was."""
        return re.search(r"->(change|dropColumn|renameColumn|dropIndex)\(", text) is not None

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.frameworks.laravel_operations import (
            laravel_operations,  # lazy: sqlglot loads only when a migration is analysed
        )

        return laravel_operations(text, dialect)

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        matched = FILE.match(base_name(candidate.path))
        assert matched is not None  # select() only lets matching names through
        try:
            root = tsx.parse(text, "php")
        except UnreadableFile as exc:
            return failure(candidate, blob_sha, exc.message, exc.line)
        cls = next(
            (
                n
                for n in tsx.walk(root)
                if n.type in ("class_declaration", "anonymous_class")
                and any(c.type == "base_clause" and "Migration" in tsx.text(c) for c in n.children)
            ),
            None,
        )
        if cls is None:
            return failure(
                candidate, blob_sha, "no class extending `Migration`: `php artisan migrate` cannot run it", 1
            )
        body = cls.child_by_field_name("body")
        methods = {
            tsx.text(m.child_by_field_name("name")): m
            for m in (body.named_children if body is not None else [])
            if m.type == "method_declaration"
        }
        if "down" not in methods:
            line = tsx.line(methods["up"]) if "up" in methods else tsx.line(cls)
            rollback: tuple[RollbackIssue, ...] = (RollbackIssue(RollbackProblem.MISSING, line, "has no `down()` method", help='Write `down()` reversing `up()` (`Schema::dropIfExists`, `$table->dropColumn`, ...).'),)
        elif _does_nothing(methods["down"].child_by_field_name("body")):
            rollback = (
                RollbackIssue(
                    RollbackProblem.EMPTY, tsx.line(methods["down"]), "has a `down()` that does nothing", help='Write `down()` reversing `up()` (`Schema::dropIfExists`, `$table->dropColumn`, ...).'
                ),
            )
        else:
            rollback = ()
        version = "".join(matched.groups()[:4])
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=base_name(candidate.path).removesuffix(".php"),
            name=matched.group(5),
            namespace=candidate.namespace,
            order=(int(version),),
            key_line=tsx.line(cls),
            rollback=rollback,
        )


def _does_nothing(body: tsx.Node | None) -> bool:
    """Only comments, or only ``Schema::table(..., function (...) { /* comments */ })`` skeletons."""
    if body is None:
        return True
    for statement in body.named_children:
        if statement.type == "comment":
            continue
        call = (
            statement.named_children[0]
            if statement.type == "expression_statement" and statement.named_children
            else None
        )
        if (
            call is not None
            and call.type == "scoped_call_expression"
            and tsx.text(call.child_by_field_name("name")) == "table"
        ):
            closures = [n for n in tsx.walk(call) if n.type in ("anonymous_function", "arrow_function")]
            if closures and all(tsx.is_empty_body(c.child_by_field_name("body")) for c in closures):
                continue
        return False
    return True
