"""The rules, one module each. A rule reads a ``ChangeSet`` and yields ``Finding`` records.

Every module defines ``ID`` (stable: configuration, suppressions and CI depend on it),
``SEVERITY`` (the default), ``SUMMARY`` (one line), a module docstring that explains what goes
wrong in production and the safe alternative (``migration-guard explain ID``), and
``GROUP`` (where it is listed), ``CATCHES`` (its README table row), ``EXAMPLES`` (a bad and a
safe migration per front end — ``sql``: the Up section of a goose file; ``rails``, ``django``,
``laravel``: the migration class's body; ``alembic``: the body of ``upgrade()``; ``knex``: the
module without its ``down`` — rendered by ``explain`` and the rule pages, and run by
``tests/test_rule_examples.py``: the bad one must be found, the safe one not) and
``check(changeset)``; optionally ``ON_BY_DEFAULT = False`` (a rule of taste, run only where the
configuration gives it a severity) and ``ALIASES`` (other ids accepted for it). Adding a rule means adding a module
here (found by ``_discover``) and its tests; nothing else names it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

from bot.core.config import Config
from bot.core.model import ChangeSet, Finding, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    explanation: str
    check: Callable[[ChangeSet], Iterable[Finding]] | None  # None: produced by the engine itself
    #: front end -> (bad example, safe example): rendered by `explain` and the rule page, run as tests
    examples: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the README table's "what it catches" (Markdown; the summary where a module has none)
    catches: str = ""
    group: str = ""  # where it is listed (``GROUPS``)
    #: the front ends it can fire on: ``sql`` (SQL files and SQL strings in any framework), a
    #: framework's name for its DSL, or ``any`` (every framework: history, rollback, hygiene)
    applies_to: tuple[str, ...] = ("any",)
    #: False for a rule of taste (``prefer-*``, ``ban-char-field``, ...): it runs only where the
    #: configuration gives it a severity (``rules: {prefer-text-field: notice}``)
    on_by_default: bool = True
    #: other ids the configuration and suppressions accept for it (squawk's spellings)
    aliases: tuple[str, ...] = ()
    #: a top-level configuration key that sets its severity (``not_analysed: warning``), for a rule
    #: teams must find without knowing its id; ``rules:`` still wins where it names the rule
    severity_key: str | None = None

    @property
    def default_label(self) -> str:
        """What a repository without configuration gets: its severity, or ``off``."""
        return self.severity.label if self.on_by_default else "off"

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        return cls(
            id=module.ID,
            severity=module.SEVERITY,
            summary=module.SUMMARY,
            explanation=inspect.cleandoc(module.__doc__ or ""),
            check=getattr(module, "check", None),
            examples=dict(getattr(module, "EXAMPLES", {})),
            catches=getattr(module, "CATCHES", module.SUMMARY),
            group=module.GROUP,
            applies_to=tuple(getattr(module, "APPLIES_TO", ("any",))),
            on_by_default=getattr(module, "ON_BY_DEFAULT", True),
            aliases=tuple(getattr(module, "ALIASES", ())),
            severity_key=getattr(module, "SEVERITY_KEY", None),
        )


#: the order ``migration-guard rules`` and the docs list them in: a module's ``GROUP``, then its name
GROUPS = ("history", "rollback", "zero-downtime", "hygiene", "style", "suppressions")


def _discover() -> list[ModuleType]:
    """Every public module of this package is a rule: adding a rule is adding its module."""
    found = [importlib.import_module(f"rules.{info.name}") for info in pkgutil.iter_modules(__path__)
             if not info.name.startswith("_")]  # fmt: skip
    return sorted(found, key=lambda m: (GROUPS.index(m.GROUP), m.__name__))


_MODULES = tuple(_discover())
RULES: dict[str, Rule] = {m.ID: Rule.from_module(m) for m in _MODULES}
#: another spelling -> the ids it stands for (``prefer-timestamptz`` -> ``prefer-timestamp-tz``; squawk's
#: ``require-timeout-settings`` -> ``require-lock-timeout`` and ``require-statement-timeout``)
ALIASES: dict[str, tuple[str, ...]] = {}
for _rule in RULES.values():
    for _alias in _rule.aliases:
        ALIASES[_alias] = (*ALIASES.get(_alias, ()), _rule.id)


def active(settings: Mapping[str, str]) -> list[Rule]:
    """The rules on under a configuration's ``rules:`` (id -> severity or ``off``): those on by
    default unless turned off, and the opt-in ones it gives a severity."""
    return [r for r in RULES.values() if settings.get(r.id, "on" if r.on_by_default else "off") != "off"]


def severity_under(config: Config, finding: Finding) -> Severity | None:
    """The severity a finding gets in a repository; ``None`` when its rule is off there."""
    rule = RULES.get(finding.rule)
    default = finding.severity
    if rule is not None and rule.severity_key is not None:
        default = Severity.parse(getattr(config, rule.severity_key))
    return config.severity(finding.rule, default, rule is None or rule.on_by_default)
