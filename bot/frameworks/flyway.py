"""Flyway: ``V<version>__<desc>.sql``, ``U<version>__<desc>.sql`` (undo), ``R__<desc>.sql`` (repeatable).

Order: the version compared numerically part by part (``1.10`` > ``1.9``; ``.`` and ``_`` both
separate parts). Rollback: the ``U`` file of the same version. Undo is a paid Flyway edition
feature, so a missing ``U`` file is only a notice by default; an empty one is an error.
Repeatable files are re-applied whenever their checksum changes, so editing them is expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.model import Migration, Role, RollbackIssue, RollbackProblem
from bot.core.traits import Identity, Traits
from bot.core.versions import canonical_version, version_parts
from bot.frameworks.base import Candidate, Framework, ParseResult, PathIndex, attach_rollback_files, base_name
from bot.syntax.sqltext import is_blank_sql

VERSIONED = re.compile(r"^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql\Z", re.DOTALL)
#: SQL callbacks Flyway runs around its commands (`beforeMigrate.sql`, `afterEachMigrate__x.sql`)
CALLBACK = re.compile(r"^(before|after)[A-Z][A-Za-z]*(__.*)?\.sql$")
REPEATABLE = re.compile(r"^R__(.+)\.sql\Z", re.DOTALL)


class Flyway(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.sql",)
    stray_globs = ("*.sql",)
    name_form = "`V<version>__<description>.sql` (or `U`, `R__`)"

    def runs_as_other_file(self, name: str) -> bool:
        return bool(CALLBACK.match(name))
    name = "flyway"
    sql_files = True
    traits = Traits(
        display="Flyway",
        identity=Identity.VERSION,
        duplicate_effect='Flyway refuses to migrate ("Found more than one migration with version")',
        out_of_order_effect="Flyway refuses to migrate (a resolved migration older than the applied ones) "
        "unless outOfOrder is on",
        edit_effect="Flyway's validate fails with a checksum mismatch on every deployed database",
    )

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
        return attach_rollback_files(
            migrations,
            Role.UNDO,
            lambda m: RollbackIssue(RollbackProblem.UNDO_MISSING, 1, f"has no undo file `U{m.key}__{m.name}.sql`"),
        )
