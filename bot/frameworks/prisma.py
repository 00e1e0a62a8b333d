"""Prisma Migrate: ``<migrations>/<timestamp>_<name>/migration.sql`` beside ``migration_lock.toml``.

Order: the folder name, as Prisma sorts; identity: its leading timestamp. Prisma checksums every applied
migration, so an edit after deployment fails ``prisma migrate deploy``. Prisma has no down
migrations by design: a missing rollback is only a notice, with the way to write one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping

from bot.core.model import DatabaseSource, Migration, RollbackIssue, RollbackProblem
from bot.core.traits import Identity, RenameKeeps, Traits
from bot.frameworks._database_files import RepoFiles, repository_database
from bot.frameworks.base import Candidate, Framework, ParseResult, PathIndex, base_name, parent_dir

#: `provider` in `migration_lock.toml` -> the dialect its SQL is written in
PROVIDERS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "sqlserver": "tsql",
             "cockroachdb": "postgres"}  # fmt: skip

#: `prisma migrate dev` writes a 14-digit timestamp; any `<digits>_<name>` folder is applied, in
#: folder-name order (`01_init`, `02_add_tag` as some projects write them by hand)
FOLDER = re.compile(r"^(\d+)_(.+)$")


class Prisma(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.sql",)
    name = "prisma"
    looks_in = 'Prisma `<migrations>/<timestamp>_<name>/migration.sql` beside `migration_lock.toml`'
    sql_files = True
    traits = Traits(
        display="Prisma",
        identity=Identity.VERSION,
        folder_per_migration=True,
        generated_from="`schema.prisma` (`@db.VarChar(n)`, `@db.Integer`, `@db.Timestamp` ...)",
        duplicate_effect="Prisma applies them in folder-name order, which nobody chose",
        out_of_order_effect="Prisma applies it after the newer one, an order nobody tested",
        edit_effect="`prisma migrate deploy` fails: the migration was modified after it was applied",
        rename_keeps=RenameKeeps.FOLDER_NAME,
        rename_keeps_words="Prisma records it by its folder name, which",
    )

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        return self._select(index, require_lock=True)

    def select_in(self, directory: str, index: PathIndex) -> list[Candidate]:
        return self._select(index.under(directory), require_lock=False)

    def _select(self, index: PathIndex, require_lock: bool) -> list[Candidate]:
        found = []
        for path, folder, name in index.entries:
            if name != "migration.sql":
                continue
            migrations_dir, _, folder_name = folder.rpartition("/")
            if not FOLDER.match(folder_name):
                continue
            lock = f"{migrations_dir}/migration_lock.toml" if migrations_dir else "migration_lock.toml"
            if not require_lock or lock in index.paths or path.startswith("prisma/") or "/prisma/" in path:
                found.append(Candidate(self.name, path, migrations_dir or ".", strict=True))
        return found

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        folder = base_name(parent_dir(candidate.path))
        found = FOLDER.match(folder)
        assert found is not None  # select() only lets matching folders through
        stamp, _name = found.groups()
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=stamp,
            name=folder,
            namespace=candidate.namespace,
            order=tuple(ord(c) for c in folder),  # folder-name order, as Prisma sorts
            key_line=1,
            rollback=(
                RollbackIssue(
                    RollbackProblem.BY_DESIGN, 1, "has no down migration (Prisma Migrate has none by design)"
                ),
            ),
        )

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """Prisma's database per migrations folder, from ``provider`` in ``migration_lock.toml``."""
        path = f"{namespace}/migration_lock.toml" if namespace != "." else "migration_lock.toml"
        text = files.text(path)
        if text is None:
            return repository_database(files)
        try:
            provider = tomllib.loads(text).get("provider", "")
        except (tomllib.TOMLDecodeError, RecursionError):  # tomllib nests arrays recursively
            return None  # as Prisma would refuse it: the configured dialect
        dialect = PROVIDERS.get(provider) if isinstance(provider, str) else None
        return DatabaseSource(dialect, path) if dialect is not None else None
