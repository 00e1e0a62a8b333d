"""One change checked on a local git repository: the base, the head and the deployed commit
already resolved. Shared by ``migration-guard check`` (and its ``--staged`` form, whose head is
the index written as a tree) and ``migration-guard action``, so both judge a change the same way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.config import Config, ConfigError
from bot.core.model import ChangeSet, RefInfo
from bot.pipeline.detect import unmatched_paths
from bot.pipeline.engine import Result, run
from bot.pipeline.gitrepo import GitError, GitRepo
from bot.pipeline.parse_cache import file_cache
from bot.pipeline.snapshot import build_changeset


@dataclass(frozen=True)
class Range:
    """What is compared: names as the user gave them (for messages) and the commits they name.
    ``head`` may be a tree (the index) rather than a commit; ``merge_base`` is where it left ``base``."""

    base_name: str
    base: str
    head_name: str
    head: str
    merge_base: str
    deployed_name: str
    deployed: str


def check_range(
    repo: GitRepo, config: Config, span: Range, config_name: str, cache_dir: Path | None
) -> tuple[Result, ChangeSet]:
    """The findings of the change ``span.merge_base``..``span.head``, judged against ``span.base``
    and ``span.deployed``; ``cache_dir``: where the parse cache lives (None: no cache)."""
    head_tree = repo.tree(span.head)
    unmatched = unmatched_paths(config, head_tree)
    if unmatched:
        raise ConfigError(
            f"{config_name}: paths: `{unmatched[0]}` matches no directory at {span.head_name}"
            " (a typo here would switch detection off)"
        )
    cache = None if cache_dir is None else file_cache(cache_dir / "parse-cache.sqlite3")
    base_tree = repo.tree(span.base)
    changeset, _parser = build_changeset(
        source=repo,
        config=config,
        head_tree=head_tree,
        base_tree=base_tree,
        deployed_tree=base_tree if span.deployed == span.base else repo.tree(span.deployed),
        changes=repo.changes(span.merge_base, span.head),
        cache=cache,
        base_ref=RefInfo(span.base_name, span.base),
        head_ref=RefInfo(span.head_name, span.head),
        deployed_ref=RefInfo(span.deployed_name, span.deployed),
        gitlinks=repo.gitlinks(span.head) | repo.gitlinks(span.merge_base),
    )
    return run(changeset, config, parallel=True, cache=cache), changeset


def shallow_hint(repo: GitRepo, what: str) -> str:
    """The sentence a shallow clone's missing history gets: which commit to fetch, and how."""
    try:
        shallow = repo.is_shallow()
    except GitError:
        shallow = False
    if not shallow:
        return ""
    return (
        f"; this clone is shallow, so {what} may simply not be fetched: fetch the history "
        "(`fetch-depth: 0` on actions/checkout, or `git fetch --unshallow origin`) or the base "
        "(`git fetch origin <base>`)"
    )
