"""Reading a repository's configuration file with the names this build knows.

``bot.core.config`` validates the file's shape; the framework names and rule ids it may use
come from the registries, which sit above it, so they are handed over from here.
"""

from __future__ import annotations

from typing import Any

from bot.core.config import Config, Vocabulary, parse_config
from bot.frameworks import BY_NAME
from rules import ALIASES, RULES, Rule

VOCABULARY = Vocabulary(frameworks=frozenset(BY_NAME), rule_ids=frozenset(RULES), aliases=ALIASES)


def read_config(text: str, source: str) -> Config:
    """The validated configuration; ``ConfigError`` naming ``source`` and the key otherwise."""
    return parse_config(text, source, VOCABULARY)


SCHEMA_ID = "https://raw.githubusercontent.com/migration-guard/migration-guard/main/schema/migration-guard.schema.json"


def config_schema() -> dict[str, Any]:
    """The JSON Schema of ``.github/migration-guard.yml`` for editors and SchemaStore: the pydantic
    model's shape (unknown keys refused everywhere, descriptions kept) with the names this build
    knows filled in: every rule id (with its summary) and every framework."""
    schema = Config.model_json_schema()
    severities = ["error", "warning", "notice", "off"]
    schema["properties"]["rules"] = {
        "description": schema["properties"]["rules"].get("description", ""),
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{rule.id: {"description": _default_said(rule), "enum": [*severities, False]}  # YAML reads `off` as false
               for rule in RULES.values()},
            **{alias: {"description": f"squawk's id for {', '.join(f'`{i}`' for i in ids)}.", "enum": [*severities, False]}
               for alias, ids in ALIASES.items()},
        },
    }  # fmt: skip
    schema["$defs"]["PathEntry"]["properties"]["framework"]["enum"] = sorted(BY_NAME)
    deployed = schema["properties"]["deployed"]
    deployed["anyOf"] = [{"type": "string", "description": "A ref: branch, tag or commit."},
                         *deployed.get("anyOf", [])]  # fmt: skip
    schema.pop("title", None)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "Migration Guard configuration", **schema}  # fmt: skip


def _default_said(rule: Rule) -> str:
    if rule.on_by_default:
        return f"{rule.summary} Default: {rule.severity.label}."
    return f"{rule.summary} Default: off (a rule of taste: give it a severity to run it; {rule.severity.label} is usual)."
