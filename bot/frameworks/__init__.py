"""Framework adapters, one module each, in the order they claim ambiguous files.

golang-migrate claims ``N_x.up.sql`` before dbmate and goose look at ``N_*.sql``; dbmate and
goose tell each other's files apart by their annotations.
"""

from __future__ import annotations

from bot.core.traits import Traits
from bot.frameworks.alembic import Alembic
from bot.frameworks.base import Candidate, Framework
from bot.frameworks.dbmate import Dbmate
from bot.frameworks.django import Django
from bot.frameworks.flyway import Flyway
from bot.frameworks.golang_migrate import GolangMigrate
from bot.frameworks.goose import Goose
from bot.frameworks.knex import Knex
from bot.frameworks.laravel import Laravel
from bot.frameworks.prisma import Prisma
from bot.frameworks.rails import Rails
from bot.frameworks.sequelize import Sequelize
from bot.frameworks.typeorm import TypeOrm

FRAMEWORKS: tuple[Framework, ...] = (
    Django(),
    Alembic(),
    Prisma(),
    Flyway(),
    GolangMigrate(),
    Dbmate(),
    Goose(),
    Rails(),
    Knex(),
    Sequelize(),
    TypeOrm(),
    Laravel(),
)
BY_NAME: dict[str, Framework] = {f.name: f for f in FRAMEWORKS}


def traits_of(framework: str) -> Traits:
    """What a tool is like (``bot.core.traits``): what rules ask instead of naming tools."""
    return BY_NAME[framework].traits


#: every file name any framework can run: what a diff needs to read
MIGRATION_FILE_GLOBS: tuple[str, ...] = tuple(sorted({g for f in FRAMEWORKS for g in f.file_globs}))

__all__ = ["BY_NAME", "FRAMEWORKS", "MIGRATION_FILE_GLOBS", "Candidate", "Framework", "traits_of"]
