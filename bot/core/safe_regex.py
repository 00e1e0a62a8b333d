"""Regular expressions from configuration, matched in linear time.

`naming_pattern` is written by people; a typo such as `^\\d+_([a-z0-9]+_?)+\\.sql$` backtracks for
minutes in Python's engine on a 34-character name. RE2 never backtracks: matching is linear in
the length of the text, and names are bounded before matching. A pattern RE2 cannot run
(backreferences, lookaround) is refused when the configuration is loaded, naming the key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

MAX_NAME = 255  # longer file names are cut before matching (no file system allows more)


class UnsafePattern(ValueError):
    """A pattern the linear-time engine cannot run."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # our one-line configuration error says it; no stderr chatter
    return options


@lru_cache(maxsize=64)
def compile_pattern(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnsafePattern(f"not a pattern the linear-time matcher accepts ({detail})") from None


def search(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).search(text[:MAX_NAME]) is not None
