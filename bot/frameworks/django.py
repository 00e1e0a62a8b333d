"""Django: ``<app>/migrations/NNNN_*.py`` modules with a ``Migration`` class.

Identity: the module name within an app label. The label is not always the folder name: it is
taken from ``apps.py`` (``label``, else the last part of ``name``), else from how the app's own
migrations and other apps' migrations depend on it, else the folder name. Parents: the
``dependencies`` list (``swappable_dependency`` and other calls are external and skipped);
``replaces`` marks a squashed migration. Rollback: operations reverse themselves except
``RunPython`` without ``reverse_code`` and ``RunSQL`` without ``reverse_sql``.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.core.model import DatabaseSource, Migration, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps, Op, Operation
from bot.core.schema import Schema
from bot.core.textfile import UnreadableFile
from bot.core.traits import Identity, RenameKeeps, Traits
from bot.frameworks._database_files import RepoFiles, dialect_of_word, repository_database
from bot.frameworks.base import Candidate, Framework, ParseResult, PathIndex, base_name, by_graph, failure, parent_dir
from bot.syntax.pyast import NotALiteral, argument, assignments, call_name, is_none, literal, parse_module, same_python

_IRREVERSIBLE = {
    "RunPython": (1, "reverse_code", "uses `RunPython` without `reverse_code`"),
    "RunSQL": (1, "reverse_sql", "uses `RunSQL` without `reverse_sql`"),
}


#: operations judged against the state before them: a changed field, a dropped field or table
_NEEDS_HISTORY = re.compile(r"\b(AlterField|RemoveField|RenameField|DeleteModel)\b|\bDROP\s+(TABLE|COLUMN)\b", re.IGNORECASE)


#: settings modules: ``settings.py``, ``settings_prod.py``, ``settings/base.py``, ``computed_settings.py``
_SETTINGS = re.compile(r"(^|/)(\w*settings\w*\.py|settings/\w+\.py)$")
_ENGINE = re.compile(r"""['"]ENGINE['"]\s*:\s*['"]([\w.]+)['"]|\b(?:default|DATABASE_URL)\s*[=,:]\s*f?['"]([a-z0-9+]+://)""")

class Django(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.py",)
    name = "django"
    looks_in = 'Django `migrations/` packages (with `__init__.py`)'
    traits = Traits(
        prescan_calls=(
            ("RenameField", Op.RENAME_COLUMN),
            ("RemoveField", Op.DROP_COLUMN),
            ("DeleteModel", Op.DROP_TABLE),
            ("RenameModel", Op.RENAME_TABLE),
        ),
        type_fixes={
            "prefer-bigint-over-int": "Use `BigIntegerField` (`BigAutoField` for keys: `DEFAULT_AUTO_FIELD`).",
            "prefer-bigint-over-smallint": "Use `BigIntegerField`.",
            "prefer-text-field": "Use `TextField` (with a `CheckConstraint` on `Length(...)` where the limit matters).",
        },
        timeouts_elsewhere='the database `OPTIONS` (`"options": "-c lock_timeout=5s"`)',
        display="Django",
        identity=Identity.LABEL_AND_NAME,
        graph=True,
        parents_scoped=True,
        parents_field="dependencies",
        rename_keeps=RenameKeeps.LABEL_AND_NAME,
        rename_keeps_words="Django records it as (app label, migration name), which",
        concurrent_index_fix="Use `AddIndexConcurrently` / `RemoveIndexConcurrently` "
        "(django.contrib.postgres.operations) and set `atomic = False` on the migration.",
        no_transaction_fix="Set `atomic = False` on the Migration class.",
        heads_fix="Re-parent it: depend on `{other}` instead, or run `python manage.py makemigrations --merge`.",
        head_name="('{namespace}', '{key}')",
        scope_name="app `{scope}`",
        missing_parent_fix="Depend on the latest migration of app `{label}` instead.",
    )
    unrecognised_message = "no `class Migration`: Django refuses to load the app's migrations (BadMigrationError)"

    def aux_wanted(self, index: PathIndex) -> list[str]:
        apps = {parent_dir(c.path.rpartition("/")[0]) for c in self.select(index, {})}
        return [f"{a}/apps.py" if a else "apps.py" for a in sorted(apps)]

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        """Modules of ``migrations`` packages (with ``__init__.py``, as Django requires), but not an
        Alembic script location named ``migrations`` (``env.py`` beside ``script.py.mako`` or
        ``alembic.ini``: Superset's ``superset/migrations``, whose ``env.py`` is no Django migration)."""
        if "django" in index.memo:
            return index.memo["django"]  # type: ignore[return-value]
        names: dict[str, set[str]] = {}
        for _p, d, n in index.entries:
            names.setdefault(d, set()).add(n)
        packages = {
            d for d, here in names.items() if "__init__.py" in here and (d == "migrations" or d.endswith("/migrations"))
            and not ("env.py" in here and here & {"script.py.mako", "alembic.ini"})
        }
        found = [
            Candidate(self.name, p, parent_dir(d) or ".", strict=True)
            for p, d, n in index.entries
            if d in packages and n.endswith(".py") and not n.startswith(("_", "~"))
        ]
        index.memo["django"] = found
        return found

    own_state = True

    def names_of(self, name: str, path: str) -> set[str]:
        """A table ``<label>_<model>`` (in ``RunSQL``) is its model to the operations."""
        label = base_name(parent_dir(parent_dir(path))).lower()
        return {name, name.removeprefix(f"{label}_")} if label else {name}

    def database(self, namespace: str, files: RepoFiles) -> DatabaseSource | None:
        """The ``ENGINE`` (or a ``dj_database_url`` default) of the settings modules, read as text;
        a test settings module is not read, and SQLite beside another database is taken for the
        developer's own (the other one is what deploys run on). Read once per run, for every app."""
        if "django" not in files.memo:
            files.memo["django"] = self._settings_database(files)
        found = files.memo["django"]
        return found if isinstance(found, DatabaseSource) else None

    def _settings_database(self, files: RepoFiles) -> DatabaseSource | None:
        said: dict[str, str] = {}
        for path in sorted(p for p in files.paths if _SETTINGS.search(p) and "test" not in p.rpartition("/")[2]):
            text = files.text(path)
            for groups in _ENGINE.findall(text or ""):
                dialect = dialect_of_word("".join(groups))
                if dialect is not None:
                    said.setdefault(dialect, path)
        if len(said) > 1:
            said.pop("sqlite", None)
        if len(said) == 1:
            ((dialect, path),) = said.items()
            return DatabaseSource(dialect, path)
        return repository_database(files) if not said else None

    def needs_schema(self, text: str) -> bool:
        """An ``AlterField`` is judged against the field it replaces, and a dropped field or table
        against whether an earlier, deployed migration already took it out of Django's state."""
        return _NEEDS_HISTORY.search(text) is not None

    def replay_order(self, judged: Sequence[Migration], migrations: Sequence[Migration]) -> list[Migration]:
        """The app's migrations, parents first (its graph order)."""
        return by_graph(judged, migrations)

    def judge(self, op: Operation, schema: Schema, dialect: str) -> list[Operation] | None:
        from bot.frameworks.django_fields import judge  # lazy: as operations

        return judge(op, schema, dialect)

    def state_forwards(self, schema: Schema, op: Operation, path: str, deployed: bool) -> None:
        from bot.frameworks.django_fields import state_forwards  # lazy: as operations

        state_forwards(schema, op, base_name(parent_dir(parent_dir(path))), deployed)

    def same_code(self, before: str, after: str) -> bool:
        """Reformatting (black, isort, ruff) and docstring edits change nothing Alembic or Django runs."""
        return same_python(before, after)

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.frameworks.django_operations import (
            django_operations,  # lazy: sqlglot loads only when a migration is analysed
        )

        return django_operations(text, dialect)

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        try:
            module = parse_module(text)
        except UnreadableFile as exc:
            return failure(candidate, blob_sha, exc.message, exc.line)
        cls = next((s for s in module.body if isinstance(s, ast.ClassDef) and s.name == "Migration"), None)
        if cls is None:
            return failure(candidate, blob_sha, self.unrecognised_message or "", 1)
        names = assignments(cls.body)
        parents: list[str] = []
        deps = names.get("dependencies")
        if deps is not None:
            if not isinstance(deps.value, ast.List | ast.Tuple):
                return failure(candidate, blob_sha, "`dependencies` must be a list", deps.line)
            for element in deps.value.elts:
                if isinstance(element, ast.Call):
                    continue  # swappable_dependency(settings.AUTH_USER_MODEL): another project's app
                try:
                    value = literal(element)
                except NotALiteral:
                    continue
                if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(v, str) for v in value):
                    parents.append(f"{value[0]}:{value[1]}")
        replaces: list[str] = []
        if "replaces" in names:
            try:
                value = literal(names["replaces"].value)
            except NotALiteral:
                value = []
            for item in value if isinstance(value, list | tuple) else []:
                if isinstance(item, tuple | list) and len(item) == 2:
                    replaces.append(f"{item[0]}:{item[1]}")
        rollback = []
        operations = names.get("operations")
        if operations is not None:
            for node in ast.walk(operations.value):
                if isinstance(node, ast.Call) and (name := call_name(node)) in _IRREVERSIBLE:
                    position, keyword, what = _IRREVERSIBLE[name]
                    if is_none(argument(node, position, keyword)):
                        rollback.append(
                            RollbackIssue(
                                RollbackProblem.IRREVERSIBLE_OPERATION,
                                node.lineno,
                                what,
                                help="Pass a reverse (`reverse_code=` / `reverse_sql=`); use `migrations.RunPython.noop` "
                                "/ `migrations.RunSQL.noop` when nothing needs undoing.",
                            )
                        )
        stem = base_name(candidate.path).removesuffix(".py")
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=stem,
            name=stem,
            namespace=candidate.namespace,
            parents=tuple(parents),
            key_line=cls.lineno,
            parents_line=deps.line if deps else cls.lineno,
            replaces=tuple(replaces),
            rollback=tuple(rollback),
        )

    def link(
        self, migrations: Sequence[Migration], aux: Mapping[str, str], memo: dict[object, Migration]
    ) -> list[Migration]:
        """Replace each app folder by its app label."""
        labels = infer_labels(migrations, aux)
        linked = []
        for m in migrations:
            label = labels.get(m.namespace, m.namespace)
            key = ("django", m.path, m.blob_sha, label)
            if key not in memo:
                memo[key] = replace(m, namespace=label)
            linked.append(memo[key])
        return linked


#: Django's own apps: a dependency on them never names a folder of the project
_CONTRIB = frozenset(
    {"admin", "auth", "contenttypes", "sessions", "sites", "messages", "staticfiles", "flatpages", "redirects",
     "postgres", "gis", "humanize", "sitemaps", "syndication", "admindocs"}
)  # fmt: skip


def infer_labels(migrations: Sequence[Migration], aux: Mapping[str, str]) -> dict[str, str]:
    """App folder -> app label: ``apps.py``, then the app's own dependencies, then other apps'."""
    names_by_folder: dict[str, set[str]] = {}
    for m in migrations:
        names_by_folder.setdefault(m.namespace, set()).add(m.key)
    labels: dict[str, str] = {}
    decided: set[str] = set()
    for folder in names_by_folder:
        apps_py = aux.get(posixpath.join(folder, "apps.py") if folder != "." else "apps.py")
        label = _label_from_apps_py(apps_py) if apps_py else None
        if label:
            labels[folder] = label
            decided.add(folder)
        else:
            labels[folder] = posixpath.basename(folder) if folder != "." else "."
    # The app's own migrations name their predecessors with the app's label.
    votes: dict[str, Counter[str]] = {}
    for m in migrations:
        if m.namespace in decided:
            continue
        names = names_by_folder[m.namespace]
        for parent in m.parents:
            label, _, name = parent.partition(":")
            if name in names:
                votes.setdefault(m.namespace, Counter())[label] += 1
    for folder, counter in votes.items():
        labels[folder] = counter.most_common(1)[0][0]
        decided.add(folder)
    # Other apps depend on it under a label no folder has claimed. Only where that cannot be a
    # third-party or contrib app (`('auth', '0012_...')`, `('taggit', '0003_...')`): a name every
    # app has (`0001_initial`) or a folder other migrations already depend on by its own name
    # proves nothing.
    known = set(labels.values())
    referenced = {p.partition(":")[0] for m in migrations for p in m.parents}
    for m in migrations:
        for parent in m.parents:
            label, _, name = parent.partition(":")
            if label in known or label in _CONTRIB or name == "0001_initial":
                continue
            owners = [
                f
                for f, names in names_by_folder.items()
                if f not in decided and name in names and labels[f] not in referenced
            ]
            if len(owners) == 1:
                labels[owners[0]] = label
                decided.add(owners[0])
                known.add(label)
    return labels


def _label_from_apps_py(text: str) -> str | None:
    try:
        module = parse_module(text)
    except UnreadableFile:
        return None
    for cls in module.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        if not any(
            (isinstance(b, ast.Name) and b.id == "AppConfig")
            or (isinstance(b, ast.Attribute) and b.attr == "AppConfig")
            for b in cls.bases
        ):
            continue
        names = assignments(cls.body)
        for key in ("label", "name"):
            if key in names:
                try:
                    value = literal(names[key].value)
                except NotALiteral:
                    continue
                if isinstance(value, str) and value:
                    return value if key == "label" else value.rsplit(".", 1)[-1]
    return None
