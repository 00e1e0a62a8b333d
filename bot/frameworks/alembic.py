"""Alembic: revision files in the versions directory, ordered by the ``down_revision`` graph.

Where: ``version_locations`` or ``<script_location>/versions`` from each ``alembic.ini``; a
``versions/`` folder beside an ``env.py``; elsewhere, any ``versions/*.py`` that assigns both
``revision`` and ``down_revision`` at module level. Identity: ``revision``; parents: the
``down_revision`` string or tuple (a merge revision has several); ``branch_labels``.
Rollback: ``downgrade()``; empty (``pass``, ``...``, a docstring) counts as missing, a body that
raises is an explicit choice.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.core.model import DatabaseSource, Migration, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps, Op
from bot.core.textfile import UnreadableFile
from bot.core.traits import Identity, RenameKeeps, Traits
from bot.frameworks._database_files import RepoFiles, named_in
from bot.frameworks.base import (
    Candidate,
    Framework,
    ParseResult,
    PathIndex,
    base_name,
    by_graph,
    failure,
    parent_dir,
    timeouts_set_in,
)
from bot.syntax.pyast import (
    NotALiteral,
    assignments,
    does_nothing,
    first_raise,
    functions,
    literal,
    parse_module,
    same_python,
)
from bot.syntax.pyast import string_tuple as as_strings

_URL = re.compile(r"""^\s*sqlalchemy\.url\s*=\s*([a-z0-9+]+://)|['"]((?:postgres|postgresql|mysql|mariadb|sqlite|mssql)[+\w]*://)""", re.MULTILINE)

class Alembic(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.py",)
    name = "alembic"
    looks_in = "Alembic `versions/` beside `env.py` (or `alembic.ini`'s `script_location`)"
    traits = Traits(
        prescan_calls=(
            ("drop_column", Op.DROP_COLUMN),
            ("drop_table", Op.DROP_TABLE),
            ("rename_table", Op.RENAME_TABLE),
        ),
        timeouts_elsewhere='`env.py` (`connection.execute(text("SET lock_timeout ..."))`)',
        guard_options={"IF NOT EXISTS": "if_not_exists=True", "IF EXISTS": "if_exists=True"},
        type_fixes={
            "prefer-bigint-over-int": "Use `sa.BigInteger()`.",
            "prefer-bigint-over-smallint": "Use `sa.BigInteger()`.",
            "prefer-text-field": "Use `sa.Text()` (or `sa.String()` without a length), with a CHECK where the limit matters.",
            "prefer-timestamp-tz": "Use `sa.DateTime(timezone=True)`.",
        },
        shared_transaction="Unless env.py sets `transaction_per_migration=True`, Alembic applies every pending "
        "revision of one `alembic upgrade` in one transaction: deploy the validation on its own.",
        display="Alembic",
        identity=Identity.REVISION,
        graph=True,
        parents_field="down_revision",
        duplicate_effect="Alembic cannot load a history with two revisions of the same id",
        duplicate_fix="Generate a new revision id (`alembic revision -m ...`) and move the operations into it.",
        rename_keeps=RenameKeeps.KEY_AND_PARENTS,
        rename_keeps_words="Alembic identifies it by its revision id, which",
        versionless_names=True,
        generated_prefix=r"^[0-9a-f]{12}_?",
        concurrent_index_fix="Pass `postgresql_concurrently=True` inside `with op.get_context().autocommit_block():`.",
        no_transaction_fix="Move the operation into `with op.get_context().autocommit_block():`.",
        heads_fix='Re-parent it: set `down_revision` to `{other}`, or add a merge revision '
        '(`alembic merge -m "merge heads" {heads}`).',
        missing_parent_fix="Set `down_revision` to the current head (`alembic heads`).",
    )
    unrecognised_message = "no module-level `revision = '...'`: Alembic cannot load this revision file"

    def aux_wanted(self, index: PathIndex) -> list[str]:
        """alembic.ini (where the scripts are) and env.py (a timeout it sets is set for every revision)."""
        directories = {d for _p, d, _n in index.entries}
        return [p for p, d, n in index.entries
                if n == "alembic.ini" or (n == "env.py" and (f"{d}/versions" if d else "versions") in directories)]  # fmt: skip

    def link(
        self, migrations: Sequence[Migration], aux: Mapping[str, str], memo: dict[object, Migration]
    ) -> list[Migration]:
        """What env.py sets for every revision of its script directory: a timeout (``SET lock_timeout``
        on the connection, ``-c lock_timeout=...``), one transaction per revision
        (``transaction_per_migration=True``), or none at all (``transactional_ddl=False``)."""
        envs = {p.rpartition("/")[0]: _code_of(text) for p, text in aux.items() if base_name(p) == "env.py"}
        # what each env.py sets, read once per script directory (not once per revision of it)
        runner = {
            namespace: (timeouts_set_in(env) + (("transaction_per_migration",) if _PER_MIGRATION.search(env) else ()),
                        False if _NO_DDL_TRANSACTION.search(env) else None)
            for namespace, env in envs.items()
        }  # fmt: skip
        linked = []
        for m in migrations:
            found = runner.get(m.namespace)
            if found is None or (m.runner_sets, m.runs_in_transaction) == found:
                linked.append(m)
            else:
                linked.append(replace(m, runner_sets=found[0], runs_in_transaction=found[1]))
        return linked

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        strict_dirs: dict[str, str] = {}  # versions dir -> script location (namespace)
        for ini_path, text in aux.items():
            if base_name(ini_path) == "alembic.ini":
                for versions, script in _locations_from_ini(ini_path, text):
                    strict_dirs[versions] = script
        for _p, directory, name in index.entries:
            if name == "env.py":
                strict_dirs.setdefault(f"{directory}/versions" if directory else "versions", directory)
        found: list[Candidate] = []
        for path, directory, name in index.entries:
            if not name.endswith(".py") or name == "__init__.py":
                continue
            if directory in strict_dirs:
                found.append(Candidate(self.name, path, strict_dirs[directory] or ".", strict=True))
            elif directory == "versions" or directory.endswith("/versions"):
                found.append(Candidate(self.name, path, parent_dir(directory) or "."))
        return found

    def select_in(self, directory: str, index: PathIndex) -> list[Candidate]:
        return [
            Candidate(self.name, p, directory, strict=True)
            for p, _d, n in index.under(directory).entries
            if n.endswith(".py") and n != "__init__.py"
        ]

    def same_code(self, before: str, after: str) -> bool:
        """Reformatting (black, isort, ruff) and docstring edits change nothing Alembic or Django runs."""
        return same_python(before, after)

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """``sqlalchemy.url`` in ``alembic.ini`` (beside the scripts or above them), else a URL
        written in ``env.py``."""
        above = namespace.rpartition("/")[0]
        places = dict.fromkeys(f"{d}/alembic.ini" if d else "alembic.ini" for d in (namespace, above, ""))
        return named_in(files, [*places, f"{namespace}/env.py"], _URL)

    def needs_schema(self, text: str) -> bool:
        """An ``alter_column(type_=...)`` is judged against the column's type before it where
        ``existing_type`` does not say it: the revisions before it, parents first, are replayed."""
        return "alter_column" in text

    def replay_order(self, judged: Sequence[Migration], migrations: Sequence[Migration]) -> list[Migration]:
        return by_graph(judged, migrations)

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.frameworks.alembic_operations import (
            alembic_operations,  # lazy: sqlglot loads only when a migration is analysed
        )

        return alembic_operations(text, dialect)

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        try:
            module = parse_module(text)
        except UnreadableFile as exc:
            if not candidate.strict and "revision" not in text:
                return None
            return failure(candidate, blob_sha, exc.message, exc.line)
        names = assignments(module.body)
        if "revision" not in names or "down_revision" not in names:
            if candidate.strict and "revision" not in names:
                return failure(candidate, blob_sha, self.unrecognised_message or "", 1)
            if not candidate.strict:
                return None
        values: dict[str, tuple[str, ...]] = {}
        for key in ("revision", "down_revision", "branch_labels"):
            if key not in names:
                values[key] = ()
                continue
            try:
                strings = as_strings(literal(names[key].value))
            except NotALiteral as exc:
                strings = None
                shown = str(exc)
            else:
                shown = ""
            if strings is None:
                return failure(
                    candidate,
                    blob_sha,
                    f"`{key}` must be a string literal (or tuple of strings), not `{shown or '...'}`",
                    names[key].line,
                )
            values[key] = strings
        if len(values["revision"]) != 1 or not values["revision"][0]:
            return failure(candidate, blob_sha, "`revision` must be one non-empty string", names["revision"].line)
        revision = values["revision"][0]
        defs = functions(module.body)
        rollback: list[RollbackIssue] = []
        downgrade = defs.get("downgrade")
        if downgrade is None:
            upgrade = defs.get("upgrade")
            rollback.append(
                RollbackIssue(
                    RollbackProblem.MISSING,
                    upgrade.lineno if upgrade else names["revision"].line,
                    "has no `downgrade()` function",
                    help='Write `downgrade()` with the operations that reverse `upgrade()`; if it cannot be reversed, make it `raise NotImplementedError(...)` so a rollback stops loudly.',
                )
            )
        elif (raised := first_raise(downgrade.body)) is not None:
            rollback.append(
                RollbackIssue(RollbackProblem.DECLARED_IRREVERSIBLE, raised.lineno, "`downgrade()` raises on purpose")
            )
        elif does_nothing(downgrade.body) and not _upgrade_does_nothing(defs.get("upgrade")):
            # an empty downgrade reverses an empty upgrade (`alembic merge` writes both as `pass`)
            rollback.append(
                RollbackIssue(
                    RollbackProblem.EMPTY, downgrade.lineno, "has a `downgrade()` that does nothing", help='Write `downgrade()` with the operations that reverse `upgrade()`; if it cannot be reversed, make it `raise NotImplementedError(...)` so a rollback stops loudly.'
                )
            )
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=revision,
            name=_slug(candidate.path, revision),
            namespace=candidate.namespace,
            parents=tuple(p for p in values["down_revision"] if p),
            key_line=names["revision"].line,
            parents_line=names["down_revision"].line if "down_revision" in names else None,
            branch_labels=values["branch_labels"],
            rollback=tuple(rollback),
        )


def _upgrade_does_nothing(upgrade: ast.FunctionDef | ast.AsyncFunctionDef | None) -> bool:
    return upgrade is not None and does_nothing(upgrade.body)


def _slug(path: str, revision: str) -> str:
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return stem.removeprefix(revision).strip("_") or stem


_LOCATION_SPLIT = re.compile(r"[\s,;:]+")


def _locations_from_ini(ini_path: str, text: str) -> list[tuple[str, str]]:
    """(versions directory, script location) pairs named by one ``alembic.ini``."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=ini_path)
    except configparser.Error:
        return []
    if not parser.has_section("alembic"):
        return []
    here = parent_dir(ini_path)

    def resolve(value: str) -> str:
        value = value.replace("%(here)s", here or ".").strip()
        if ":" in value and not value.startswith("/"):  # package resource "pkg.mod:dir"
            package, _, rest = value.partition(":")
            value = posixpath.join(package.replace(".", "/"), rest)
        joined = posixpath.normpath(posixpath.join(here, value)) if here and not value.startswith(here) else value
        return posixpath.normpath(joined).lstrip("./") if joined not in (".", "") else "."

    script = parser.get("alembic", "script_location", fallback="")
    if not script:
        return []
    script_dir = resolve(script)
    locations = parser.get("alembic", "version_locations", fallback="").strip()
    if locations:
        return [(resolve(loc), script_dir) for loc in _LOCATION_SPLIT.split(locations) if loc]
    return [(posixpath.join(script_dir, "versions") if script_dir != "." else "versions", script_dir)]


_PER_MIGRATION = re.compile(r"\btransaction_per_migration\s*=\s*True\b")
_NO_DDL_TRANSACTION = re.compile(r"\btransactional_ddl\s*=\s*False\b")


def _code_of(text: str) -> str:
    """env.py without its comment lines (the generated file comments out options it shows)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
