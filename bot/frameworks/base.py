"""What a framework adapter provides.

Detection is two-step so that the App and the CLI can both feed it cheaply: ``select`` looks only
at paths (plus a few small auxiliary files such as ``alembic.ini``, read once), and ``parse``
turns one file's text into a ``Migration``. Parse results depend only on the framework, the
path, the blob SHA and the candidate's facts, so they are cached by blob SHA across runs.
``link`` then adds facts that need several files (a golang-migrate ``.down.`` file, a Django app
label inferred from its neighbours). No I/O happens in any of them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.model import Migration, ParseFailure


@dataclass(frozen=True)
class Candidate:
    """A path that may hold a migration of one framework.

    ``namespace`` scopes its key (for Django: the app folder, turned into a label by ``link``).
    ``strict`` means the directory is known to hold this framework's migrations, so a file that
    does not parse as one is reported instead of being ignored.
    """

    framework: str
    path: str
    namespace: str
    strict: bool = False


ParseResult = Migration | ParseFailure | None


class Framework:
    """Base class: adapters override what they need."""

    name: str = ""
    #: what a file in a directory of this framework lacks when ``parse`` did not recognise it
    unrecognised_message: str | None = None

    def aux_wanted(self, paths: Collection[str]) -> list[str]:
        """Small files (configuration, ``apps.py``) that ``select``/``link`` want to read."""
        return []

    def select(self, paths: Collection[str], aux: Mapping[str, str]) -> list[Candidate]:
        """Candidates found by looking at paths only."""
        raise NotImplementedError

    def select_in(self, directory: str, paths: Collection[str]) -> list[Candidate]:
        """Candidates inside a directory the configuration assigns to this framework."""
        raise NotImplementedError

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        """One file's migration record; ``None`` when the file is not one after all."""
        raise NotImplementedError

    def link(self, migrations: Sequence[Migration], aux: Mapping[str, str]) -> list[Migration]:
        """Facts that need several files of the same tree; default: none."""
        return list(migrations)


def parent_dir(path: str) -> str:
    return posixpath.dirname(path)


def under(path: str, directory: str) -> bool:
    directory = directory.strip("/")
    return directory in ("", ".") or path == directory or path.startswith(directory + "/")


def failure(candidate: Candidate, blob_sha: str, message: str, line: int | None = None) -> ParseFailure:
    return ParseFailure(candidate.framework, candidate.path, blob_sha, line, message)
