"""Repository configuration: ``.github/migration-guard.yml``.

Validated strictly: an unknown key or a bad value is an error naming the key and the file, so a
typo never silently switches a check off. The GitHub App reads this file from the base branch,
so a pull request cannot relax its own check.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.core.model import Severity
from bot.core.safe_regex import UnsafePattern, compile_pattern
from bot.core.suggest import did_you_mean

DEFAULT_PATH = ".github/migration-guard.yml"

SeverityName = Literal["error", "warning", "notice", "off"]


class ConfigError(Exception):
    """One line naming the file and what is wrong."""


@dataclass(frozen=True)
class Vocabulary:
    """The names a configuration may use: framework names and rule ids. Passed in by whoever
    reads the file (``bot.pipeline.configuration``), so this module knows neither registry."""

    frameworks: Collection[str]
    rule_ids: Collection[str]
    #: another spelling -> the ids it stands for (squawk's ``prefer-timestamptz``, ``require-timeout-settings``)
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """Bounds on the analysis of one migration (`limits:` in the configuration)."""

    #: wall time for one migration's analysis: a last-resort guard against a hung parser, far
    #: above what the work bounds let through on a loaded machine (what it stops is an error)
    seconds: float = 120.0
    max_bytes: int = 10_000_000  # larger migrations are not parsed (a 20,000-statement file is 1.2 MB)
    max_depth: int = 200  # bracket nesting; deeper SQL/code is not parsed


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathEntry(_Strict):
    path: str = Field(description="Directory holding migrations, relative to the repository root.")
    framework: str = Field(description="Which tool runs them.")

    @field_validator("framework")
    @classmethod
    def _known_framework(cls, value: str, info: ValidationInfo) -> str:
        known = info.context.frameworks if isinstance(info.context, Vocabulary) else None
        if known is not None and value not in known:
            raise ValueError(f"unknown framework {value!r}; known: {', '.join(sorted(known))}")
        return value

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        value = value.strip().strip("/")
        if not value or value.startswith("..") or "/../" in value:
            raise ValueError("must be a directory inside the repository")
        return value


class DeployedRef(_Strict):
    """Which commit counts as deployed: exactly one of ``ref``, ``branch``, ``tag`` (a glob, newest
    matching tag) or ``environment`` (the newest successful GitHub deployment to it; App only)."""

    ref: str | None = None
    branch: str | None = None
    tag: str | None = None
    environment: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DeployedRef:
        given = [k for k in ("ref", "branch", "tag", "environment") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of ref, branch, tag or environment")
        return self


class AnalysisLimits(_Strict):
    """How much one migration may cost to analyse; past it, it is reported as not analysed."""

    seconds: float = Field(default=Limits.seconds, gt=0, le=600,
                           description="Last-resort wall time for one migration's analysis (a hung parser).")  # fmt: skip
    max_bytes: int = Field(default=Limits.max_bytes, ge=1_000,
                           description="Migrations with more bytes of code than this (comments and blank lines not "
                           "counted) are not parsed.")  # fmt: skip
    max_depth: int = Field(default=Limits.max_depth, ge=10, le=2_000, description="Deeper bracket nesting is not parsed.")

    def as_limits(self) -> Limits:
        return Limits(self.seconds, self.max_bytes, self.max_depth)


class ReviewSettings(_Strict):
    """How loud the App's review is: inline comments for findings at or above ``min_severity``, at
    most ``max_inline_comments`` of them (the rest are listed in the review body)."""

    max_inline_comments: int = Field(default=20, ge=0, le=200, description="Inline comments per review.")
    min_severity: Literal["error", "warning", "notice"] = Field(
        default="warning", description="Findings below it stay in the check summary only."
    )


TimeoutSource = Literal["in-migration", "set-by-role", "set-by-runner"]


class TimeoutSettings(_Strict):
    """Where ``lock_timeout`` and ``statement_timeout`` are set: ``in-migration`` (each migration
    sets them before its first blocking statement), or by the database role (``ALTER ROLE ... SET
    lock_timeout``) or the runner (strong_migrations, connection options), which the migration cannot
    show: then require-lock-timeout / require-statement-timeout stay quiet. Unsaid: SQL-file tools'
    migrations must set them; framework DSLs' runners usually do, so theirs are judged only when
    ``in-migration`` is said."""

    lock_timeout: TimeoutSource | None = Field(default=None, description="Where lock_timeout is set.")
    statement_timeout: TimeoutSource | None = Field(default=None, description="Where statement_timeout is set.")


class Config(_Strict):
    paths: list[PathEntry] = Field(
        default_factory=list,
        description="Explicit migration directories; when given, automatic detection is off.",
    )
    deployed: DeployedRef | None = Field(
        default=None, description="The deployed ref; a plain string is a ref. Default: the base branch tip."
    )
    rules: dict[str, SeverityName] = Field(default_factory=dict, description="Per-rule severity or off.")
    ignore_paths: list[str] = Field(
        default_factory=list, description="Globs of paths never checked (`*` also matches `/`)."
    )
    dialect: Literal["postgres", "postgresql", "mysql", "mariadb", "sqlite", "sqlserver"] | None = Field(
        default=None, description="SQL dialect of every migration directory. Default: read from the repository "
        "(config/database.yml, Django's ENGINE, alembic.ini, the knexfile, migration_lock.toml, .env.example, "
        "docker-compose images ...), else PostgreSQL."
    )
    max_tables_per_migration: int = Field(
        default=3, ge=1, description="unfocused-migration: how many existing tables one migration may change."
    )
    limits: AnalysisLimits = Field(default_factory=AnalysisLimits, description="Bounds on analysing one migration.")
    not_analysed: Literal["error", "warning", "notice"] = Field(
        default="error",
        description="Severity of migration-not-analysed: a migration past the limits (or the parser's failure) was "
        "not analysed. An error fails the check.",
    )
    review: ReviewSettings = Field(default_factory=ReviewSettings, description="How loud the App's review is.")
    timeouts: TimeoutSettings = Field(
        default_factory=TimeoutSettings, description="Where lock_timeout and statement_timeout are set."
    )
    naming_pattern: str | None = Field(
        default=None, description="migration-naming: a regular expression every new migration's file name must match."
    )
    transactions: dict[str, Literal["none", "default"]] = Field(
        default_factory=dict,
        description="Per framework, `none` where the runner is set to open no transaction around a migration "
        "(golang-migrate `x-multi-statement=true`, Knex `disableTransactions`, Flyway `executeInTransaction=false`).",
    )

    @field_validator("transactions", mode="before")
    @classmethod
    def _known_frameworks(cls, value: object, info: ValidationInfo) -> object:
        known = info.context.frameworks if isinstance(info.context, Vocabulary) else None
        if isinstance(value, dict) and known is not None:
            for name in value:
                if name not in known:
                    raise ValueError(f"unknown framework {name!r}{did_you_mean(str(name), known)}")
        return value

    @field_validator("naming_pattern")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            if len(value) > 1_000:
                raise ValueError("longer than 1,000 characters")
            try:
                compile_pattern(value)
            except UnsafePattern as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("deployed", mode="before")
    @classmethod
    def _string_is_ref(cls, value: object) -> object:
        return {"ref": value} if isinstance(value, str) else value

    @field_validator("rules", mode="before")
    @classmethod
    def _known_rules(cls, value: object, info: ValidationInfo) -> object:
        """Unknown ids first (a typo must not pass); YAML reads a bare ``off`` as false."""
        if not isinstance(value, dict):
            return value
        known = info.context.rule_ids if isinstance(info.context, Vocabulary) else None
        aliases = info.context.aliases if isinstance(info.context, Vocabulary) else {}
        for rule_id in value:
            if known is not None and rule_id not in known and rule_id not in aliases:
                raise ValueError(f"unknown rule {rule_id!r}{did_you_mean(str(rule_id), known)} (see `migration-guard rules`)")
        settings = {k: "off" if v is False else v for k, v in value.items()}
        expanded = {rule: setting for k, setting in settings.items() if k in aliases for rule in aliases[k]}
        return {**expanded, **{k: v for k, v in settings.items() if k not in aliases}}  # an id said itself wins

    def ignored(self, path: str) -> bool:
        return any(fnmatchcase(path, pattern) for pattern in self.ignore_paths)

    def severity(self, rule: str, default: Severity, on_by_default: bool = True) -> Severity | None:
        """The severity the repository gives a rule's findings; ``None`` when the rule is off (turned
        off, or a rule of taste the configuration does not turn on)."""
        setting = self.rules.get(rule)
        if setting == "off" or (setting is None and not on_by_default):
            return None
        return Severity.parse(setting) if setting is not None else default


def _key_hint(location: tuple[int | str, ...]) -> str:
    """The keys valid where an unknown one was written: the closest, and the whole list."""
    model: type[BaseModel] = Config
    for part in location[:-1]:
        spec = model.model_fields.get(str(part))
        annotation = spec.annotation if spec is not None else None
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not inner:
            return ""
        model = inner[0]
    keys = list(model.model_fields)
    return f"{did_you_mean(str(location[-1]), keys)}; valid keys: {', '.join(keys)}"


#: a configuration file larger than this is refused before it is parsed: YAML is read in pure
#: Python (10 MB of comments took 52 s, 600,000 rule keys over 120 s); a real one is a few KB
MAX_CONFIG_BYTES = 1_000_000


def refuse_oversized_config(size: int, source: str) -> None:
    """``ConfigError`` naming ``source`` and the limit when ``size`` (bytes) is over it."""
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{source}: {size:,} bytes, over the 1 MB ({MAX_CONFIG_BYTES:,} bytes) a configuration file may have"
        )


def parse_config(text: str, source: str, vocabulary: Vocabulary) -> Config:
    """Validate configuration text; ``source`` names the file in error messages."""
    refuse_oversized_config(len(text.encode("utf-8", "surrogatepass")), source)
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{source}:{where}: {problem}".replace(":: ", ": ")) from None
    except RecursionError:  # PyYAML composes nodes recursively: `[[[[...` thousands deep
        raise ConfigError(f"{source}: nested too deeply to be read (a configuration is a few levels deep)") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: must be a mapping of settings, not {type(data).__name__}")
    try:
        return Config.model_validate(data, context=vocabulary)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key" + _key_hint(error["loc"])
        raise ConfigError(f"{source}: {location}: {message}") from None
