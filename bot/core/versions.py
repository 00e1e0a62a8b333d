"""Version keys of version-ordered tools and the next free version to propose.

Flyway compares versions numerically part by part (``1.10`` > ``1.9``; ``.`` and ``_`` both
separate parts; ``1.0`` equals ``1``). The integer-versioned tools (golang-migrate, dbmate,
goose, Prisma timestamps) are the one-part case of the same comparison.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[._]")


def version_parts(text: str) -> tuple[int, ...]:
    """``"1_10.2"`` -> ``(1, 10, 2)``; trailing zero parts dropped so ``1.0 == 1``."""
    parts = [int(p) for p in _SEPARATORS.split(text) if p != ""]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def canonical_version(text: str) -> str:
    """The form two equal versions share: ``"001"`` and ``"1"`` both give ``"1"``."""
    return ".".join(str(p) for p in version_parts(text))


_TIMESTAMP_FORMATS = {14: "%Y%m%d%H%M%S", 12: "%Y%m%d%H%M", 8: "%Y%m%d"}


def next_version(newest: str, like: str | None = None) -> str:
    """The smallest sensible version after ``newest``, written the way ``like`` is written.

    A timestamp (14, 12 or 8 digits that form a real date) advances by one unit of its
    resolution; a dotted version increments its last part, written with ``like``'s separator
    (the user's own file); a plain number increments and keeps the zero padding of ``like``,
    else of ``newest``.
    """
    if newest.isdigit() and len(newest) in _TIMESTAMP_FORMATS:
        fmt = _TIMESTAMP_FORMATS[len(newest)]
        try:
            stamp = dt.datetime.strptime(newest, fmt)
        except ValueError:
            stamp = None
        if stamp is not None:
            step = {14: dt.timedelta(seconds=1), 12: dt.timedelta(minutes=1), 8: dt.timedelta(days=1)}
            return (stamp + step[len(newest)]).strftime(fmt)
    pieces = re.split(r"([._])", newest)
    last = pieces[-1]
    width = len(like) if like is not None and like.isdigit() and len(pieces) == 1 else len(last)
    pieces[-1] = str(int(last) + 1).zfill(width if last.startswith("0") or width > len(last) else 0)
    if like is not None:
        seps = {c for c in like if c in "._"}
        if len(seps) == 1:  # write it with the user's separator: 1_8 -> 1_10, not 1.10
            (sep,) = seps
            pieces = [sep if p in "._" else p for p in pieces]
    return "".join(pieces)


def _tag_key(name: str) -> list[int | str]:
    """`v1.10` after `v1.9`: digits compare as numbers (split keeps str and int positions aligned)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def highest_tag(names: Iterable[str]) -> str | None:
    """The highest-versioned of some tag names: what `deployed: {tag: "v*"}` means in the CLI and
    the App alike (release tags are versions; their dates can be rewritten)."""
    return max(names, key=_tag_key, default=None)
