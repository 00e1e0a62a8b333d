"""The rules, one module each. A rule reads a ``ChangeSet`` and yields ``Finding`` records.

Every module defines ``ID`` (stable: configuration, suppressions and CI depend on it),
``SEVERITY`` (the default), ``SUMMARY`` (one line), a module docstring that explains what goes
wrong in production and the safe alternative (``migration-guard explain ID``), and
``GROUP`` (where it is listed), ``CATCHES`` (its README table row), ``EXAMPLES`` (a bad and a
safe migration per front end — ``sql``: the Up section of a goose file; ``rails``, ``django``,
``laravel``: the migration class's body; ``alembic``: the body of ``upgrade()``; ``knex``: the
module without its ``down`` — rendered by ``explain`` and the rule pages, and run by
``tests/test_rule_examples.py``: the bad one must be found, the safe one not) and
``check(changeset)``. Adding a rule means adding a module
here (found by ``_discover``) and its tests; nothing else names it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType

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
        )


#: the order ``migration-guard rules`` and the docs list them in: a module's ``GROUP``, then its name
GROUPS = ("history", "rollback", "zero-downtime", "hygiene", "suppressions")


def _discover() -> list[ModuleType]:
    """Every public module of this package is a rule: adding a rule is adding its module."""
    found = [importlib.import_module(f"rules.{info.name}") for info in pkgutil.iter_modules(__path__)
             if not info.name.startswith("_")]  # fmt: skip
    return sorted(found, key=lambda m: (GROUPS.index(m.GROUP), m.__name__))


_MODULES = tuple(_discover())
RULES: dict[str, Rule] = {m.ID: Rule.from_module(m) for m in _MODULES}
