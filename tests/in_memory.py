"""Migration text in, findings out: the engine run on trees held in memory, no git, no process
started per test (the analysing child is the shared one).

``check(base, added)``: ``base`` is what the base branch holds (path -> text), ``added`` what the
change adds or rewrites; each file's blob SHA is git's, so the parse cache and the deployed-blob
test behave as on a repository. Rules and front ends are tested here; git and the App end to end
only for what only they can show.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.config import Config
from bot.core.model import ChangeSet, ChangeStatus, FileChange, Finding
from bot.pipeline.configuration import read_config
from bot.pipeline.engine import analyse, run
from bot.pipeline.snapshot import build_changeset


def blob_sha(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Blobs:
    """A ``BlobSource`` over texts held in memory."""

    texts: dict[str, bytes]

    def read_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        return {s: self.texts[s] for s in shas}

    def blob_sizes(self, shas: Iterable[str]) -> dict[str, int]:
        return {s: len(self.texts[s]) for s in shas}


class MemoryRows:
    """Cache rows (``bot.pipeline.parse_cache.Rows``) held in memory, for a warm run without a file."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}

    def get(self, keys: list[str]) -> dict[str, str]:
        return {k: self.rows[k] for k in keys if k in self.rows}

    def put(self, items: dict[str, str]) -> None:
        self.rows.update(items)


def changeset(base: Mapping[str, str], added: Mapping[str, str], config: Config | None = None) -> ChangeSet:
    """The change set of a pull request that adds (or rewrites) ``added`` on top of ``base``."""
    head = {**base, **added}
    blobs = Blobs({blob_sha(t): t.encode() for t in (*base.values(), *head.values())})
    base_tree = {p: blob_sha(t) for p, t in base.items()}
    head_tree = {p: blob_sha(t) for p, t in head.items()}
    changes = [
        FileChange(
            ChangeStatus.MODIFIED if path in base else ChangeStatus.ADDED,
            path,
            path if path in base else None,
            base_tree.get(path),
            head_tree[path],
            1,
            frozenset(range(1, text.count("\n") + 2)),
        )
        for path, text in added.items()
    ]
    cs, _ = build_changeset(source=blobs, config=config or Config(), head_tree=head_tree, base_tree=base_tree,
                            deployed_tree=base_tree, changes=changes)  # fmt: skip
    return cs


def check(base: Mapping[str, str], added: Mapping[str, str], config: str | None = None) -> list[Finding]:
    """The findings of that pull request, as the CLI and the App report them."""
    cfg = read_config(config, "config") if config else Config()
    return list(run(changeset(base, added, cfg), cfg).findings)


def found(
    base: Mapping[str, str], added: Mapping[str, str], config: str | None = None
) -> list[tuple[str, str, int | None]]:
    """``(rule, path, line)`` of each finding, as the CLI's JSON orders them."""
    return [(f.rule, f.path, f.line) for f in check(base, added, config)]


def analysed(base: Mapping[str, str], added: Mapping[str, str], config: Config | None = None) -> ChangeSet:
    """The change set with its migrations analysed and judged (what the rules read)."""
    cfg = config or Config()
    return analyse(changeset(base, added, cfg), cfg.limits.as_limits(), parallel=False, deadline=None)
