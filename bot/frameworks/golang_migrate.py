"""golang-migrate: ``<version>_<title>.up.<ext>`` with a ``.down.<ext>`` twin.

Order and identity: the leading integer. Rollback: the ``.down.`` file of the same version;
missing, or holding only comments, means ``migrate down`` does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.model import Migration, Role, RollbackIssue, RollbackProblem
from bot.core.traits import Identity, Traits
from bot.frameworks.base import Candidate, Framework, ParseResult, PathIndex, attach_rollback_files, base_name
from bot.syntax.sqltext import is_blank_sql

FILE = re.compile(r"^(\d+)_(.+)\.(up|down)\.([A-Za-z0-9]+)\Z", re.DOTALL)


class GolangMigrate(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.up.*", "*.down.*")
    stray_globs = ("*.sql",)
    name_form = "`<version>_<title>.up.sql` / `.down.sql`"
    name = "golang-migrate"
    looks_in = 'golang-migrate `<version>_<title>.up.sql`'
    sql_files = True
    traits = Traits(
        display="golang-migrate",
        identity=Identity.VERSION,
        duplicate_effect="golang-migrate refuses to start (duplicate migration file)",
        out_of_order_effect="golang-migrate never runs it, because the database version is already higher",
    )

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        return [
            Candidate(self.name, p, d or ".", strict=True)
            for p, d, n in index.entries
            if (".up." in n or ".down." in n) and FILE.match(n)
        ]

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        found = FILE.match(base_name(candidate.path))
        assert found is not None  # select() only lets matching names through
        version, title, direction, _ext = found.groups()
        common: dict[str, Any] = {
            "framework": self.name,
            "path": candidate.path,
            "blob_sha": blob_sha,
            "namespace": candidate.namespace,
            "key": str(int(version)),
            "name": title,
        }
        if direction == "down":
            empty = is_blank_sql(text)
            issue = RollbackIssue(
                RollbackProblem.EMPTY,
                1,
                "has an empty `.down.` file",
                candidate.path,
                help="Write the SQL that reverses the `.up.` file in this `.down.` file.",
            )
            return Migration(role=Role.DOWN, rollback=(issue,) if empty else (), **common)
        return Migration(order=(int(version),), key_line=1, **common)

    def link(
        self, migrations: Sequence[Migration], aux: Mapping[str, str], memo: dict[object, Migration]
    ) -> list[Migration]:
        return attach_rollback_files(
            migrations,
            Role.DOWN,
            lambda m: RollbackIssue(
                RollbackProblem.MISSING,
                1,
                f"has no `{base_name(m.path).replace('.up.', '.down.')}`",
                help=f"Add `{base_name(m.path).replace('.up.', '.down.')}` with the SQL that reverses it.",
            ),
        )
