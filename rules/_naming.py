"""Proposing a free version for a version-ordered migration, written as the user's file is."""

from __future__ import annotations

import posixpath
import re

from bot.core.model import Migration
from bot.core.versions import next_version
from bot.frameworks import traits_of

_PREFIX = re.compile(r"^([VU]?)(\d+(?:[._]\d+)*)")


def version_text(m: Migration) -> tuple[str, str]:
    """(the name part carrying the version, the version as written there)."""
    folder = traits_of(m.framework).folder_per_migration
    part = posixpath.basename(posixpath.dirname(m.path)) if folder else posixpath.basename(m.path)
    found = _PREFIX.match(part)
    return part, found.group(2) if found else m.key


def proposed_path(m: Migration, after: Migration, steps: int = 1) -> str:
    """``m``'s path renamed to the ``steps``-th version after ``after``."""
    part, own = version_text(m)
    _, newest = version_text(after)
    version = newest
    for _ in range(steps):
        version = next_version(version, own)
    renamed = part.replace(own, version, 1)
    if traits_of(m.framework).folder_per_migration:
        folder = posixpath.dirname(m.path)
        return posixpath.join(posixpath.dirname(folder), renamed, posixpath.basename(m.path))
    return posixpath.join(posixpath.dirname(m.path), renamed)
