"""Knex: ``migrations/YYYYMMDDHHMMSS_name.{js,ts,cjs,mjs}`` exporting ``up`` and ``down``.

The directory comes from ``migrations.directory`` in a ``knexfile`` when there is one. The
file name is the migration's identity (``knex_migrations.name``); rollback is ``exports.down``
/ ``export async function down``.
"""

from __future__ import annotations

import re

from bot.core.model import DatabaseSource
from bot.core.operations import MigrationOps, Op
from bot.core.traits import Identity, Traits
from bot.frameworks._database_files import RepoFiles, named_in
from bot.frameworks.exported_up_down import ExportedUpDownFramework, relative_to
from bot.syntax import treesitter as tsx

_GENERATED = re.compile(r"^\d{14}_")


_CLIENT = re.compile(r"""\bclient\s*:\s*['"]([\w-]+)['"]""")

class Knex(ExportedUpDownFramework):
    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """The knexfile's ``client`` (``pg``, ``mysql2``, ``better-sqlite3`` ...)."""
        return named_in(files, (f"{d}knexfile.{e}" for d in ("", "src/", "server/", "db/") for e in ("js", "ts", "cjs", "mjs")), _CLIENT)

    def needs_schema(self, text: str) -> bool:
        """``.alter()`` restates a column: judged against its type before it; a dropped or renamed column says what it was."""
        return re.search(r"\.(alter|dropColumns?|renameColumn|dropIndex)\(", text) is not None

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.frameworks.knex_operations import (
            knex_operations,  # lazy: sqlglot loads only when a migration is analysed
        )

        return knex_operations(path, text, dialect)

    name = "knex"
    looks_in = "Knex `migrations/` (or the knexfile's directory)"
    traits = Traits(
        prescan_calls=(
            ("renameColumn", Op.RENAME_COLUMN),
            ("dropColumn", Op.DROP_COLUMN),
            ("dropColumns", Op.DROP_COLUMN),
            ("dropTable", Op.DROP_TABLE),
            ("dropTableIfExists", Op.DROP_TABLE),
            ("renameTable", Op.RENAME_TABLE),
        ),
        timeouts_elsewhere="the connection pool's `afterCreate`",
        display="knex",
        identity=Identity.FILE_NAME,
        out_of_order_effect="knex runs it after the newer one, an order nobody tested",
        concurrent_index_fix="knex's index builders cannot do it: use `knex.raw('CREATE INDEX CONCURRENTLY ...')` "
        "and `exports.config = { transaction: false }`.",
        no_transaction_fix="Add `exports.config = { transaction: false };`.",
    )
    #: knex loads every file with a known extension in its directory, whatever the name, and runs
    #: them in file-name order (`db/knex_migrations/2026-08-20-0000-add-owner.js` is a migration)
    file_pattern = re.compile(r"^((?:\d{14}_)?)(.+)(?<!\.d)\.(?:js|ts|cjs|mjs)$")
    config_names = ("knexfile.js", "knexfile.ts", "knexfile.cjs", "knexfile.mjs")
    unrecognised_message = "exports no `up` function: knex cannot run it"

    def guessed_name(self, name: str) -> bool:
        """Outside a knexfile's directory only the generator's `YYYYMMDDHHMMSS_name` tells knex's
        files from sequelize-cli's (`YYYYMMDDHHMMSS-name`) or anyone's."""
        return bool(_GENERATED.match(name))

    def order_of(self, name: str, matched: re.Match[str]) -> tuple[int, ...]:
        """File-name order, as knex sorts (a tuple of code points compares like the string)."""
        return tuple(ord(c) for c in name)

    def configured_directories(self, config_path: str, root: tsx.Node) -> list[str]:
        found: list[str] = []
        for node in tsx.walk(root):
            if node.type != "pair" or tsx.text(node.child_by_field_name("key")).strip("'\"") != "directory":
                continue
            value = node.child_by_field_name("value")
            values = value.named_children if value is not None and value.type == "array" else [value]
            found.extend(relative_to(config_path, v) for v in map(tsx.string_value, values) if v)
        return found
