"""Inline suppressions: ``-- migration-guard: ignore <rule> <reason>`` (``#`` in Python and Ruby,
``//`` in JavaScript, TypeScript and PHP).

A suppression names one rule and gives a reason, and covers findings of that rule on its own
line or the line below it (or the whole file for findings without a line). Suppressions are
read from comments only, so a string that mentions the marker does nothing.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.core.suggest import did_you_mean
from bot.core.textfile import UnreadableFile
from bot.syntax.sqltext import iter_comments
from bot.syntax.treesitter import comments, language_for, parse

MARKER = "migration-guard:"


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int
    rule: str
    reason: str

    def covers(self, path: str, rule: str, line: int | None) -> bool:
        return path == self.path and rule == self.rule and (line is None or line in (self.line, self.line + 1))


@dataclass(frozen=True)
class BadSuppression:
    path: str
    line: int
    problem: str


def _comments(path: str, text: str) -> Iterator[tuple[int, str]]:
    language = language_for(path)
    if language is not None:
        try:
            yield from comments(parse(text, language))
        except UnreadableFile:
            return
    elif path.endswith(".py"):
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.COMMENT:
                    yield token.start[0], token.string[1:]
        except (tokenize.TokenError, IndentationError, SyntaxError):
            return
    else:
        yield from iter_comments(text)


def find_suppressions(
    path: str, text: str, known_rules: set[str], aliases: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[list[Suppression], list[BadSuppression]]:
    """The suppression comments of a file, good and bad; ``aliases``: other spellings of rule ids
    (squawk's), recorded under the id they stand for."""
    aliases = aliases or {}
    good: list[Suppression] = []
    bad: list[BadSuppression] = []
    if MARKER not in text:
        return good, bad  # the common case: no need to find the comments at all
    for line, comment in _comments(path, text):
        body = comment.strip()
        if not body.startswith(MARKER):
            continue
        words = body[len(MARKER) :].split(None, 2)
        if not words or words[0] != "ignore":
            bad.append(BadSuppression(path, line, "expected `migration-guard: ignore <rule> <reason>`"))
        elif len(words) < 2:
            bad.append(BadSuppression(path, line, "names no rule"))
        elif words[1] not in known_rules and words[1] not in aliases:
            bad.append(BadSuppression(path, line, f"names unknown rule `{words[1]}`{did_you_mean(words[1], known_rules)}"))
        elif len(words) < 3 or not words[2].strip():
            bad.append(BadSuppression(path, line, f"ignores `{words[1]}` without a reason"))
        else:
            good.extend(Suppression(path, line, rule, words[2].strip()) for rule in aliases.get(words[1], (words[1],)))
    return good, bad
