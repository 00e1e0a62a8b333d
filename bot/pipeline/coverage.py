"""What a run looked at: the migration directories found, the refs compared, what was left out.

A check that finds nothing must say what it looked at, or a layout we do not recognise passes
green in silence. Every report (text, JSON, the App's summary) starts from this record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.core.model import ChangeSet, RefInfo, Role
from bot.frameworks import traits_of


@dataclass(frozen=True)
class Location:
    framework: str
    directory: str
    migrations: int  # forward migrations at the head


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


def coverage_of(cs: ChangeSet) -> Coverage:
    counts: Counter[tuple[str, str]] = Counter()
    for m in cs.head.migrations:
        key = (m.framework, migration_directory(m.framework, m.namespace, m.path))
        counts[key] += 1 if m.role in (Role.UP, Role.REPEATABLE) else 0
    for f in cs.head.failures:
        counts[(f.framework, f.path.rpartition("/")[0] or ".")] += 0
    return Coverage(
        locations=tuple(Location(fw, d, n) for (fw, d), n in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))),
        base=cs.base_ref,
        deployed=cs.deployed_ref,
        notes=cs.notes,
    )


def describe_locations(coverage: Coverage) -> str:
    """`knex in db/knex_migrations (56 migrations); django in app/migrations (3)`"""
    if not coverage.locations:
        return "no migration directory found"
    parts = []
    for loc in coverage.locations:
        noun = "migration" if loc.migrations == 1 else "migrations"
        parts.append(f"{loc.framework} in {loc.directory} ({loc.migrations} {noun})")
    return "; ".join(parts)
