"""Rails (Active Record): ``db/migrate/YYYYMMDDHHMMSS_name.rb``, also ``db/post_migrate/`` and
multi-database folders ``db/<name>_migrate/``.

Identity and order: the version (leading digits), per database. The class name must match the
file name, or Rails refuses to run. Rollback: ``change`` reverses itself except for
irreversible calls outside ``reversible``/``up_only`` blocks; ``up`` needs a ``down`` (without
one, a rollback silently does nothing); a ``down`` that raises ``ActiveRecord::IrreversibleMigration``
is an explicit choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

import yaml

from bot.core.model import DatabaseSource, Migration, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps, Op
from bot.core.textfile import UnreadableFile
from bot.core.traits import Identity, Traits
from bot.frameworks._database_files import RepoFiles, dialect_of_word, repository_database
from bot.frameworks.base import (
    Candidate,
    Framework,
    ParseResult,
    PathIndex,
    base_name,
    failure,
    timeouts_set_in,
)
from bot.syntax import treesitter as tsx
from bot.syntax.ruby_branches import branch_constraints

FOLDER = re.compile(r"^(?:(.*)/)?db/(migrate|post_migrate|([a-z0-9_]+)_migrate)$")
#: Rails' MIGRATION_FILENAME_REGEX: `<version>_<name>[.<scope>].rb` (engines copy theirs with a scope)
FILE = re.compile(r"^(\d+)_([_a-z0-9]*)\.?([_a-z0-9]*)?\.rb$")

#: blocks whose contents are not inverted by ``change``
_EXEMPT_BLOCKS = {"reversible", "up_only", "revert"}


def camelize(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


#: calls judged against, or described from, the schema before them
_NEEDS_SCHEMA = re.compile(r"\b(change_column(_null)?|remove_columns?|rename_column|remove_index)\b|\bt\.(change|change_null|remove|rename)\b")


class Rails(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.rb",)
    name = "rails"
    looks_in = 'Rails `db/migrate/` (and `db/post_migrate/`, `db/<name>_migrate/`)'
    traits = Traits(
        prescan_calls=(
            ("rename_column", Op.RENAME_COLUMN),
            ("remove_column", Op.DROP_COLUMN),
            ("remove_columns", Op.DROP_COLUMN),
            ("drop_table", Op.DROP_TABLE),
            ("rename_table", Op.RENAME_TABLE),
        ),
        guard_options={"IF NOT EXISTS": "if_not_exists: true", "IF EXISTS": "if_exists: true"},
        type_fixes={
            "prefer-bigint-over-int": "Use `t.bigint` / `:bigint` (or `limit: 8`).",
            "prefer-bigint-over-smallint": "Use `t.bigint` / `:bigint` (not `limit: 2`).",
            "prefer-text-field": "Use `t.text`, or `t.string` without `limit:` (a `check_constraint` where the limit matters).",
            "prefer-timestamp-tz": "Use `t.timestamptz` (or set `ActiveRecord::ConnectionAdapters::PostgreSQLAdapter.datetime_type = :timestamptz`).",
        },
        timeouts_elsewhere="strong_migrations' `lock_timeout` or `database.yml` `variables`",
        display="Rails",
        identity=Identity.VERSION,
        duplicate_effect='Rails refuses to migrate ("Multiple migrations have the version number")',
        out_of_order_effect="Rails runs it after the newer one (and `schema.rb` changes order), an order nobody tested",
        concurrent_index_fix="Use `algorithm: :concurrently` and add `disable_ddl_transaction!` to the migration class.",
        no_transaction_fix="Add `disable_ddl_transaction!` to the migration class.",
        after_deploy_dirs=("db/post_migrate",),
    )

    def aux_wanted(self, index: PathIndex) -> list[str]:
        """strong_migrations' initializer: the timeouts it sets are set for every migration."""
        return [p for p, _d, n in index.entries if p.endswith("config/initializers/strong_migrations.rb")]

    def link(
        self, migrations: Sequence[Migration], aux: Mapping[str, str], memo: dict[object, Migration]
    ) -> list[Migration]:
        runner_sets = tuple(sorted({s for text in aux.values() for s in timeouts_set_in(text)}))
        return [replace(m, runner_sets=runner_sets) for m in migrations] if runner_sets else list(migrations)

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        found = []
        for path, directory, name in index.entries:
            if not name.endswith(".rb"):
                continue  # a file Rails never runs but that is still a .rb file is reported by parse
            folder = FOLDER.match(directory)
            if folder is None:
                continue
            database = folder.group(3) or "primary"
            found.append(Candidate(self.name, path, f"{folder.group(1) or '.'}:{database}", strict=True))
        return found

    def select_in(self, directory: str, index: PathIndex) -> list[Candidate]:
        return [
            Candidate(self.name, p, directory, strict=True)
            for p, _d, n in index.under(directory).entries
            if n.endswith(".rb")
        ]

    def same_code(self, before: str, after: str) -> bool:
        """Comments, layout and (for scripts) a formatter's punctuation change nothing Rails runs
        (``bot.syntax.treesitter.same_tokens``)."""
        return super().same_code(before, after) or tsx.same_tokens(before, after, "ruby")

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """The adapter the application's ``config/database.yml`` (or its ``.sample``/``.example``)
        gives this namespace's database (``<root>:<database>``, as ``select`` names it: ``primary``
        for ``db/migrate`` and ``db/post_migrate``, ``cache`` for ``db/cache_migrate``), in
        ``production``, else ``development``, else any environment."""
        root, _, name = namespace.rpartition(":")
        prefix = "" if root in ("", ".") else f"{root}/"
        found = files.first(f"{prefix}config/database.yml{suffix}" for suffix in ("", ".sample", ".example", ".dist", ".template"))
        if found is None:
            return repository_database(files)
        path, text = found
        dialect = database_yml_dialect(text, name or "primary")
        return DatabaseSource(dialect, path) if dialect is not None else repository_database(files)

    def needs_schema(self, text: str) -> bool:
        """``change_column`` is judged against the column's type before it, and a removed or
        renamed column says what it was, a NOT NULL set is no scan after a valid CHECK of an
        earlier deploy (the database's earlier migrations, by version, are replayed for them).
        Others need none."""
        return _NEEDS_SCHEMA.search(text) is not None

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.frameworks.rails_operations import (
            rails_operations,  # lazy: sqlglot loads only when a migration is analysed
        )

        return rails_operations(text, dialect)

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        found = FILE.match(base_name(candidate.path))
        if found is None:
            return failure(
                candidate,
                blob_sha,
                "the file name has no `<version>_<name>.rb` form: Rails never runs this file",
                1,
            )
        version, snake = found.group(1), found.group(2)
        try:
            root = tsx.parse(text, "ruby")
        except UnreadableFile as exc:
            return failure(candidate, blob_sha, exc.message, exc.line)
        cls = next(
            (
                n
                for n in tsx.walk(root)
                if n.type == "class" and "Migration" in tsx.text(n.child_by_field_name("superclass"))
            ),
            None,
        )
        if cls is None:
            return failure(candidate, blob_sha, "no class inheriting from `ActiveRecord::Migration`", 1)
        class_name = tsx.text(cls.child_by_field_name("name")).rsplit("::", 1)[-1]
        expected = camelize(snake)
        if class_name.lower() != expected.lower():
            return failure(
                candidate,
                blob_sha,
                f"class `{class_name}` does not match the file name: Rails expects `{expected}` and refuses to run",
                tsx.line(cls),
            )
        body = cls.child_by_field_name("body")
        methods = {
            tsx.text(m.child_by_field_name("name")): m
            for m in (body.named_children if body is not None else [])
            if m.type in tsx.RUBY_METHODS
        }
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=str(int(version)),
            name=snake,
            namespace=candidate.namespace,
            order=(int(version),),
            key_line=tsx.line(cls),
            rollback=tuple(_rollback(methods, tsx.line(cls))),
        )


def _rollback(methods: dict[str, tsx.Node], class_line: int) -> Iterator[RollbackIssue]:
    if "down" in methods:
        down = methods["down"]
        body = down.child_by_field_name("body")
        raised = next((c for c in tsx.walk(down) if c.type == "call" and _method(c) == "raise"), None)
        if raised is not None and "IrreversibleMigration" in tsx.text(raised):
            yield RollbackIssue(
                RollbackProblem.DECLARED_IRREVERSIBLE,
                tsx.line(raised),
                "raises `ActiveRecord::IrreversibleMigration` in `down`",
            )
        elif tsx.is_empty_body(body) and not ("up" in methods and tsx.is_empty_body(methods["up"].child_by_field_name("body"))):
            # `def up; end` / `def down; end`: nothing to reverse
            yield RollbackIssue(RollbackProblem.EMPTY, tsx.line(down), "has a `down` that does nothing", help='Write `down` reversing `up`; if it cannot be reversed, `raise ActiveRecord::IrreversibleMigration` in it.')
        return
    if "up" in methods:
        yield RollbackIssue(
            RollbackProblem.MISSING,
            tsx.line(methods["up"]),
            "has `up` without `down` (a rollback silently does nothing)",
            help='Write `down` reversing `up`; if it cannot be reversed, `raise ActiveRecord::IrreversibleMigration` in it.',
        )
        return
    if "change" in methods:
        for call, why in _irreversible_calls(methods["change"]):
            yield RollbackIssue(
                RollbackProblem.IRREVERSIBLE_OPERATION,
                tsx.line(call),
                why,
                only_on=branch_constraints(call, methods["change"]),
                help="Give Rails what it needs to invert the call (the column type, the `from:`/`to:` values, the "
                "table block), or move it into `reversible do |dir| ... end` or `up`/`down`.",
            )


def _method(call: tsx.Node) -> str:
    return tsx.text(call.child_by_field_name("method"))


def _arguments(call: tsx.Node) -> tuple[list[tsx.Node], set[str]]:
    """Positional arguments and keyword names of a Ruby call."""
    args = call.child_by_field_name("arguments")
    positional: list[tsx.Node] = []
    keywords: set[str] = set()
    for arg in args.named_children if args is not None else []:
        if arg.type == "pair":
            keywords.add(tsx.text(arg.child_by_field_name("key")).strip(":").rstrip(":").strip())
        elif arg.type == "hash":
            for pair in arg.named_children:
                if pair.type == "pair":
                    keywords.add(tsx.text(pair.child_by_field_name("key")).strip(":").strip())
        elif arg.type not in ("block_argument", "comment"):
            positional.append(arg)
    return positional, keywords


def _why_irreversible(name: str, call: tsx.Node, receiver: str | None = None) -> str | None:
    """Why ``change`` cannot invert this call, or None. ``receiver``: the ``change_table`` block's table."""
    positional, keywords = _arguments(call)
    table_block = receiver is not None
    shown = f"`{receiver}.{name}` in `change_table`" if table_block else f"`{name}`"
    shift = 0 if table_block else 1  # outside change_table, the first argument is the table
    has_block = call.child_by_field_name("block") is not None
    if name == "execute" and not table_block:
        return "runs `execute` in `change` (raw SQL cannot be inverted; use `reversible` or `up`/`down`)"
    if name == "change_column" or (table_block and name == "change"):
        return f"calls {shown} (the previous type is unknown; use `up`/`down`)"
    default = name == "change_column_default" or (table_block and name == "change_default")
    if default and not {"from", "to"} <= keywords:
        return f"calls {shown} without `from:` and `to:`"
    remove = (name == "remove_column" and not table_block) or (table_block and name == "remove")
    if remove and len(positional) < 2 + shift and "type" not in keywords:
        return f"calls {shown} without the column type"
    if name == "remove_columns" and "type" not in keywords:
        return "calls `remove_columns` without `type:`"
    if name == "remove_index" and len(positional) < 1 + shift and "column" not in keywords:
        return f"calls {shown} without the column"
    if name == "drop_table" and not table_block and not has_block and not keywords:
        return "calls `drop_table` without a block describing the table"
    if name == "remove_foreign_key" and not table_block and len(positional) < 2 and "to_table" not in keywords:
        return "calls `remove_foreign_key` without the target table"
    if name in ("remove_reference", "remove_belongs_to", "remove_references") and not keywords:
        return f"calls {shown} without its options (type, index, foreign key)"
    return None


def _irreversible_calls(change: tsx.Node) -> Iterator[tuple[tsx.Node, str]]:
    stack = list(reversed(change.children))
    while stack:
        node = stack.pop()
        if node.type == "call" and node.child_by_field_name("receiver") is None:
            name = _method(node)
            if name in _EXEMPT_BLOCKS:
                continue  # the author spelled out both directions (or chose none)
            why = _why_irreversible(name, node)
            if why:
                yield node, why
            if name == "change_table":
                yield from _irreversible_in_table_block(node)
                continue
        stack.extend(reversed(node.children))


def _irreversible_in_table_block(call: tsx.Node) -> Iterator[tuple[tsx.Node, str]]:
    block = call.child_by_field_name("block")
    if block is None:
        return
    params = block.child_by_field_name("parameters")
    receiver_name = tsx.text(params.named_children[0]) if params is not None and params.named_children else "t"
    for node in tsx.walk(block):
        if node.type == "call" and tsx.text(node.child_by_field_name("receiver")) == receiver_name:
            why = _why_irreversible(_method(node), node, receiver=receiver_name)
            if why:
                yield node, why


_ERB = re.compile(r"<%=?(.*?)-?%>", re.DOTALL)
_QUOTED = re.compile(r"""["']([^"']*)["']""")


def _without_erb(text: str) -> str:
    """The YAML with each ``<%= ... %>`` replaced by the last literal in it that names a database
    (``ENV.fetch("DB_ADAPTER") { "postgresql" }`` -> ``postgresql``), else by nothing: what the
    value is at run time is not known."""

    def literal(found: re.Match[str]) -> str:
        named = [q for q in _QUOTED.findall(found[1]) if dialect_of_word(q) is not None]
        return named[-1] if named else ""

    return _ERB.sub(literal, text)


def database_yml_dialect(text: str, database: str) -> str | None:
    """The dialect ``config/database.yml`` gives ``database`` (``primary``, or the name of one of
    Rails 6+'s multiple databases)."""
    try:
        data = yaml.safe_load(_without_erb(text))
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    environments = [data[e] for e in ("production", "development") if isinstance(data.get(e), dict)]
    environments += [v for k, v in data.items() if isinstance(v, dict) and k not in ("production", "development")]
    for settings in environments:
        dialect = _dialect_for(settings, database)
        if dialect is not None:
            return dialect
    return None


def _dialect_for(settings: dict[object, object], database: str) -> str | None:
    def said(config: dict[object, object]) -> str | None:
        return dialect_of_word(str(config.get("adapter") or "")) or dialect_of_word(str(config.get("url") or ""))

    if "adapter" in settings or "url" in settings:  # one database: every directory's
        return said(settings)
    config = settings.get(database)  # several: primary, cache, animals ...
    return said(config) if isinstance(config, dict) else None
