"""Prisma Migrate: ``<migrations>/<timestamp>_<name>/migration.sql`` beside ``migration_lock.toml``.

Order and identity: the timestamp of the folder name. Prisma checksums every applied
migration, so an edit after deployment fails ``prisma migrate deploy``. Prisma has no down
migrations by design: a missing rollback is only a notice, with the way to write one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping

from bot.frameworks.base import Candidate, Framework, ParseResult, parent_dir, under
from bot.model import Migration, RollbackIssue, RollbackProblem

FOLDER = re.compile(r"^(\d{8,})_(.+)$")


class Prisma(Framework):
    name = "prisma"

    def select(self, paths: Collection[str], aux: Mapping[str, str]) -> list[Candidate]:
        path_set = set(paths)
        found = []
        for p in paths:
            if posixpath.basename(p) != "migration.sql":
                continue
            folder = parent_dir(p)
            migrations_dir = parent_dir(folder)
            if not FOLDER.match(posixpath.basename(folder)):
                continue
            lock = posixpath.join(migrations_dir, "migration_lock.toml") if migrations_dir else "migration_lock.toml"
            if lock in path_set or "prisma/" in p or p.startswith("prisma"):
                found.append(Candidate(self.name, p, migrations_dir or ".", strict=True))
        return found

    def select_in(self, directory: str, paths: Collection[str]) -> list[Candidate]:
        return [
            Candidate(self.name, p, parent_dir(parent_dir(p)) or ".", strict=True)
            for p in paths
            if under(p, directory)
            and posixpath.basename(p) == "migration.sql"
            and FOLDER.match(posixpath.basename(parent_dir(p)))
        ]

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        folder = posixpath.basename(parent_dir(candidate.path))
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
            order=(int(stamp),),
            key_line=1,
            rollback=(
                RollbackIssue(RollbackProblem.BY_DESIGN, 1, "has no down migration (Prisma Migrate has none by design)"),
            ),
        )
