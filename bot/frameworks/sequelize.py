"""Sequelize (sequelize-cli / umzug): ``migrations/YYYYMMDDHHMMSS-name.{js,cjs,ts}``.

The directory comes from ``'migrations-path'`` in ``.sequelizerc`` when there is one (a string
or ``path.resolve('db', 'migrations')``). The file name is the identity (``SequelizeMeta``);
rollback is ``down`` in the exported object.
"""

from __future__ import annotations

import re

from bot.core.model import DatabaseSource
from bot.core.operations import MigrationOps, Op
from bot.core.traits import Identity, Traits
from bot.frameworks._database_files import RepoFiles, named_in
from bot.frameworks.exported_up_down import ExportedUpDownFramework, relative_to
from bot.syntax import treesitter as tsx

_GENERATED = re.compile(r"^\d{14}-")


_DIALECT = re.compile(r"""['"]?\bdialect['"]?\s*:\s*['"](\w+)['"]""")

class Sequelize(ExportedUpDownFramework):
    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """The ``dialect`` of sequelize-cli's configuration (``config/config.json`` ...)."""
        return named_in(files, (f"{d}/{n}" for d in ("config", "src/config", "server/config", "db")
                                for n in ("config.json", "config.js", "database.json", "database.js", "database.ts")), _DIALECT)

    def needs_schema(self, text: str) -> bool:
        """``changeColumn`` restates a column: judged against its type before it; a removed or renamed column says what it was."""
        return re.search(r"\b(changeColumn|removeColumn|renameColumn|removeIndex)\b", text) is not None

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.frameworks.sequelize_operations import (
            sequelize_operations,  # lazy: sqlglot loads only when a migration is analysed
        )

        return sequelize_operations(path, text, dialect)

    name = "sequelize"
    looks_in = "Sequelize `migrations/` (or `.sequelizerc`'s `migrations-path`)"
    traits = Traits(
        prescan_calls=(
            ("renameColumn", Op.RENAME_COLUMN),
            ("removeColumn", Op.DROP_COLUMN),
            ("dropTable", Op.DROP_TABLE),
            ("renameTable", Op.RENAME_TABLE),
        ),
        timeouts_elsewhere="the connection's `dialectOptions`",
        display="sequelize-cli",
        identity=Identity.FILE_NAME,
        out_of_order_effect="sequelize-cli runs it after the newer one, an order nobody tested",
        concurrent_index_fix="Pass `concurrently: true` in the index options.",
        no_transaction_fix="Run it outside `queryInterface.sequelize.transaction(...)`.",
    )
    #: sequelize-cli (umzug) loads every `.js/.cjs/.ts` file of its migrations-path, whatever the
    #: name, in file-name order
    file_pattern = re.compile(r"^((?:\d{14}-)?)(.+)(?<!\.d)\.(?:js|cjs|ts)$")
    config_names = (".sequelizerc",)
    unrecognised_message = "exports no `up` function: sequelize-cli cannot run it"

    def guessed_name(self, name: str) -> bool:
        """Outside `.sequelizerc`'s directory only the generator's `YYYYMMDDHHMMSS-name` is taken."""
        return bool(_GENERATED.match(name))

    def order_of(self, name: str, matched: re.Match[str]) -> tuple[int, ...]:
        """File-name order, as umzug sorts (code points compare like the string)."""
        return tuple(ord(c) for c in name)

    def configured_directories(self, config_path: str, root: tsx.Node) -> list[str]:
        found = []
        for node in tsx.walk(root):
            if node.type != "pair" or tsx.text(node.child_by_field_name("key")).strip("'\"") != "migrations-path":
                continue
            value = node.child_by_field_name("value")
            if value is None:
                continue
            literal = tsx.string_value(value)
            if literal is not None:
                found.append(relative_to(config_path, literal))
            elif value.type == "call_expression":  # path.resolve('db', 'migrations') / path.join(...)
                args = value.child_by_field_name("arguments")
                parts = [tsx.string_value(a) for a in (args.named_children if args is not None else [])]
                strings = [p for p in parts if p is not None]
                if strings:
                    found.append(relative_to(config_path, "/".join(strings)))
        return found
