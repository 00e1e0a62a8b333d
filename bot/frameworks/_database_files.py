"""Which database a repository's migrations run on, read from the files that configure it.

Most advice is for one database only (``CONCURRENTLY`` and ``NOT VALID`` are PostgreSQL's): a Rails
application on SQLite got nine PostgreSQL fixes that cannot run there. So each tool reads its own
configuration (``Framework.database``: Rails ``config/database.yml``, Django's ``ENGINE``, a
knexfile's ``client`` ...), and this module holds what they share: the words a database goes by
(``postgresql``, ``mysql2``, ``sqlite3``, ``django.db.backends.postgresql``, a URL's scheme), and
the files every kind of project has (``.env.example``'s ``DATABASE_URL``, the database images of
``docker-compose.yml``). Everything is read statically, from text; nothing is run. A file says
nothing when it names two databases or only one read at run time (``ENV["DB"]``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from bot.core.model import DatabaseSource

#: the largest configuration file read (larger ones are not configuration)
MAX_CONFIG_BYTES = 256 * 1024


@dataclass(frozen=True)
class RepoFiles:
    """The head's files: every path, and a file's text (``None``: absent, binary or too large)."""

    paths: Collection[str]
    read: Callable[[str], str | None]
    #: what a tool found once for the whole repository (Django's settings, read for each app)
    memo: dict[str, object] = field(default_factory=dict, compare=False)

    def text(self, path: str) -> str | None:
        if path not in self.paths:
            return None
        found = self.read(path)
        return found if found is not None and len(found) <= MAX_CONFIG_BYTES else None

    def first(self, candidates: Iterable[str]) -> tuple[str, str] | None:
        """The first of ``candidates`` that exists, with its text."""
        for path in candidates:
            found = self.text(path)
            if found is not None:
                return path, found
        return None


#: the words a database goes by in configuration, to the dialect the analysers use; the longest
#: first, so ``postgresql`` is not read as ``postgres`` + ``ql`` and ``better-sqlite3`` as sqlite
_WORDS = (
    ("cockroachdb", "postgres"), ("postgresql", "postgres"), ("postgis", "postgres"), ("postgres", "postgres"),
    ("pgsql", "postgres"), ("redshift", "postgres"), ("mariadb", "mysql"), ("trilogy", "mysql"), ("mysql", "mysql"),
    ("sqlite", "sqlite"), ("sqlserver", "tsql"), ("mssql", "tsql"), ("oracle", "oracle"), ("pg", "postgres"),
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


def dialect_of_word(value: str | None) -> str | None:
    """``postgresql`` -> postgres, ``mysql2`` -> mysql, ``sqlite3`` -> sqlite,
    ``django.db.backends.postgresql`` -> postgres, ``postgres://u@h/db`` -> postgres; ``None``
    for anything else (an ERB or env lookup, an unknown adapter)."""
    if not value:
        return None
    lowered = value.strip().lower()
    scheme = re.match(r"([a-z0-9+]+)://", lowered)
    if scheme:
        lowered = scheme[1].split("+")[0]  # postgresql+psycopg://, jdbc: kept below
    lowered = lowered.removeprefix("jdbc:")
    for word in _WORD.findall(lowered):
        for name, dialect in _WORDS:
            if word == name or (word.startswith(name) and word[len(name):].isdigit()):  # mysql2, sqlite3
                return dialect
    for name, dialect in _WORDS:  # better-sqlite3, django.db.backends.sqlite3, mysql-connector
        if len(name) > 2 and name in lowered:
            return dialect
    return None


def one_of(found: Iterable[str | None]) -> str | None:
    """The one dialect named, ``None`` when none or several are."""
    named = {d for d in found if d is not None}
    return named.pop() if len(named) == 1 else None


ENV_FILES = (".env.example", ".env.sample", ".env.dist", ".env.template", ".env.development", ".env")
_ENV_URL = re.compile(r"^\s*(?:export\s+)?(DATABASE_URL|DB_URL|DB_CONNECTION|DB_DIALECT|DB_DRIVER|DB_CLIENT|"
                      r"GOOSE_DRIVER|GOOSE_DBSTRING|DBMATE_DATABASE_URL|DATABASE_DIALECT|TYPEORM_CONNECTION)\s*=\s*['\"]?([^'\"\s#]+)",
                      re.MULTILINE)  # fmt: skip
_COMPOSE = re.compile(r"^(?:docker-)?compose[^/]*\.ya?ml$")
_IMAGE = re.compile(r"^\s*image:\s*['\"]?(?:[\w.-]+/)*([\w.-]+?)(?::[\w.-]+)?['\"]?\s*$", re.MULTILINE)
_DATABASE_IMAGES = {"postgres": "postgres", "postgis": "postgres", "timescaledb": "postgres", "mysql": "mysql",
                    "mariadb": "mysql", "mssql-server": "tsql", "cockroach": "postgres"}  # fmt: skip


def repository_database(files: RepoFiles) -> DatabaseSource | None:
    """What any project says of its database: ``DATABASE_URL`` (or ``DB_CONNECTION`` ...) in an
    ``.env`` template, else the one database image its ``docker-compose`` files run."""
    for path in ENV_FILES:
        text = files.text(path)
        if text is not None:
            dialect = one_of(dialect_of_word(value) for _name, value in _ENV_URL.findall(text))
            if dialect is not None:
                return DatabaseSource(dialect, path)
    for path in sorted(p for p in files.paths if "/" not in p and _COMPOSE.match(p)):
        text = files.text(path)
        if text is not None:
            dialect = one_of(_DATABASE_IMAGES.get(image.lower()) for image in _IMAGE.findall(text))
            if dialect is not None:
                return DatabaseSource(dialect, path)
    return None


def named_in(files: RepoFiles, candidates: Iterable[str], pattern: re.Pattern[str]) -> DatabaseSource | None:
    """The first of ``candidates`` in which ``pattern``'s matches (group 1, or the whole match)
    name exactly one database; else what any project says (``repository_database``)."""
    for path in candidates:
        text = files.text(path)
        if text is None:
            continue
        dialect = one_of(dialect_of_word(v if isinstance(v, str) else "".join(v)) for v in pattern.findall(text))
        if dialect is not None:
            return DatabaseSource(dialect, path)
    return repository_database(files)
