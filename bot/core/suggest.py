"""``Did you mean ...?`` for every name a user types: rule ids, configuration keys."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(typed: str, known: Iterable[str]) -> str | None:
    """The known name the typed one most likely meant, if any is close."""
    close = difflib.get_close_matches(typed, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(typed: str, known: Iterable[str]) -> str:
    """`` (did you mean `limits`?)`` for the closest known name, or an empty string."""
    name = closest(typed, known)
    return f" (did you mean `{name}`?)" if name else ""
