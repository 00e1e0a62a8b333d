"""Reading a repository's configuration file with the names this build knows.

``bot.core.config`` validates the file's shape; the framework names and rule ids it may use
come from the registries, which sit above it, so they are handed over from here.
"""

from __future__ import annotations

from bot.core.config import Config, Vocabulary, parse_config
from bot.frameworks import BY_NAME
from rules import RULES

VOCABULARY = Vocabulary(frameworks=frozenset(BY_NAME), rule_ids=frozenset(RULES))


def read_config(text: str, source: str) -> Config:
    """The validated configuration; ``ConfigError`` naming ``source`` and the key otherwise."""
    return parse_config(text, source, VOCABULARY)
