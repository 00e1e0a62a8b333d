"""Safe Markdown for text that comes from files and users (paths, SQL, identifiers, names).

Such text must not break the report's Markdown, inject HTML, or @-mention anyone. Rule
messages quote that text in backticks; ``message`` keeps well-formed code spans and escapes
everything else, and neutralises mentions and HTML in both.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~-])")  # < > & become entities instead
ZWSP = "\u200b"


#: anything from a file or a user echoed into a comment or summary is cut to this many characters
MAX_ECHO = 500


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _defuse(text: str) -> str:
    """No HTML, no mentions, no team mentions, no line breaks that start new blocks; bounded."""
    text = _cut(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("@", "@" + ZWSP)
    return text.replace("\r", " ").replace("\n", " ")


def text(value: str) -> str:
    """Plain text shown as-is: Markdown syntax characters escaped."""
    return _defuse(_SPECIAL.sub(r"\\\1", value))


def code(value: str) -> str:
    """An inline code span that holds any text, backticks included."""
    value = _defuse(value)
    longest = max((len(m) for m in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def message(value: str) -> str:
    """A rule message: `quoted` parts become code spans, the rest is escaped text."""
    parts = value.split("`")
    if len(parts) % 2 == 0:  # unbalanced backticks: trust nothing
        return text(value)
    return "".join(code(part) if i % 2 else text(part) for i, part in enumerate(parts))
