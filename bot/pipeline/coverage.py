"""What a run looked at: the migration directories found, the refs compared, what was left out.

A check that finds nothing must say what it looked at, or a layout we do not recognise passes
green in silence. Every report (text, JSON, the App's summary) starts from this record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.core.model import ChangeSet, RefInfo, Role
from bot.frameworks import BY_NAME, traits_of


@dataclass(frozen=True)
class Location:
    framework: str
    directory: str
    migrations: int  # forward migrations at the head
    database: str = "postgres"  # the dialect its migrations are judged as
    #: the file (or setting) that says so; None: nothing in the repository does, PostgreSQL is assumed
    database_source: str | None = None

    def judged_as(self) -> str:
        """``PostgreSQL, from config/database.yml`` / ``PostgreSQL, assumed``."""
        return f"{spelled_database(self.database)}, " + (f"from {self.database_source}" if self.database_source else "assumed")


@dataclass(frozen=True)
class Coverage:
    locations: tuple[Location, ...] = ()
    base: RefInfo | None = None
    deployed: RefInfo | None = None
    notes: tuple[str, ...] = ()


def migration_directory(framework: str, namespace: str, path: str) -> str:
    """Where a tool keeps each migration in its own folder (Prisma), its directory is the migrations folder."""
    if traits_of(framework).folder_per_migration:
        return namespace
    return path.rpartition("/")[0] or "."


_SPELLED = {"postgres": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite", "tsql": "SQL Server", "sqlserver": "SQL Server",
            "oracle": "Oracle", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}  # fmt: skip


def spelled_database(dialect: str) -> str:
    return _SPELLED.get(dialect, dialect)


def coverage_of(cs: ChangeSet) -> Coverage:
    counts: Counter[tuple[str, str]] = Counter()
    judged_as: dict[tuple[str, str], tuple[str, str | None]] = {}
    for m in cs.head.migrations:
        key = (m.framework, migration_directory(m.framework, m.namespace, m.path))
        counts[key] += 1 if m.role in (Role.UP, Role.REPEATABLE) else 0
        if key not in judged_as:
            judged_as[key] = cs.database_of(m)
    for f in cs.head.failures:
        counts[(f.framework, f.path.rpartition("/")[0] or ".")] += 0
    locations = tuple(Location(fw, d, n, *judged_as.get((fw, d), ("postgres", None)))
                      for (fw, d), n in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0])))  # fmt: skip
    assumed = [loc.directory for loc in locations if loc.database_source is None and loc.migrations]
    notes = cs.notes
    if not locations and not any("`ignore_paths`" in n for n in notes):  # where we looked (not: what was ignored)
        places = "; ".join(a.looks_in for _name, a in sorted(BY_NAME.items()) if a.looks_in)
        notes += (f"No migration directory found. Looked for: {places}. A directory of another tool can be declared "
                  "under `paths:` in .github/migration-guard.yml.",)  # fmt: skip
    if assumed:  # said once, not per finding
        where = ", ".join(f"`{d}`" for d in assumed[:3]) + (f" and {len(assumed) - 3} more" if len(assumed) > 3 else "")
        notes += (f"Nothing in the repository says which database {where} "
                  f"{'runs' if len(assumed) == 1 else 'run'} on: judged as PostgreSQL "
                  "(set `dialect:` in .github/migration-guard.yml to say it).",)  # fmt: skip
    return Coverage(locations=locations, base=cs.base_ref, deployed=cs.deployed_ref, notes=notes)


def describe_locations(coverage: Coverage) -> str:
    """`knex in db/knex_migrations (56 migrations); django in app/migrations (3)`"""
    if not coverage.locations:
        return "no migration directory found"
    parts = []
    for loc in coverage.locations:
        noun = "migration" if loc.migrations == 1 else "migrations"
        parts.append(f"{loc.framework} in {loc.directory} ({loc.migrations} {noun}; {loc.judged_as()})")
    return "; ".join(parts)
