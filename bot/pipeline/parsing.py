"""Turning a tree (path -> blob SHA) into a ``MigrationSet``.

The only I/O is the ``BlobSource`` the caller passes in (local ``git cat-file --batch`` for the
CLI, the GitHub API for the App). Blobs are read in batches and only on a cache miss; each
distinct ``(framework, path, blob)`` is parsed once per run however many trees share it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Protocol

from bot.core.config import Config
from bot.core.model import Migration, MigrationSet, ParseFailure
from bot.core.textfile import UnreadableFile, decode_text, too_large
from bot.frameworks import BY_NAME, Candidate
from bot.frameworks.base import PathIndex, failure, parent_dir
from bot.pipeline.detect import aux_wanted, candidate_chains, ignored_migrations
from bot.pipeline.parse_cache import CachedResult, CacheKey, ParseCache


class BlobSource(Protocol):
    def read_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Contents of the given blobs; every SHA asked for must be answered."""
        ...

    def blob_sizes(self, shas: Iterable[str]) -> dict[str, int]:
        """Sizes in bytes of the given blobs, where known without reading them (a SHA left out
        is read to find out): a blob over ``MAX_FILE_BYTES`` is then refused unread."""
        ...


def _parse_safely(candidate: Candidate, sha: str, text: str) -> CachedResult:
    """An adapter's parse; a failure of its parser costs that file (reported), never the run."""
    try:
        return BY_NAME[candidate.framework].parse(candidate, sha, text)
    except RecursionError:
        return failure(candidate, sha, "nested too deeply to be read", 1)
    except Exception as exc:
        return failure(candidate, sha, f"could not be read ({type(exc).__name__}: {exc})"[:300], 1)


def _strays(
    index: PathIndex, tree: Mapping[str, str], claimed: set[tuple[str, str]], known: set[str]
) -> list[ParseFailure]:
    """Files beside a tool's migrations, named like SQL, that the tool never runs (`seed.sql` in a
    golang-migrate directory, `V1_users.sql` with one underscore for Flyway)."""
    wanted = {d: BY_NAME[fw] for fw, d in claimed if BY_NAME[fw].stray_globs}
    found: list[ParseFailure] = []
    if not wanted:
        return found
    for path, directory, name in index.entries:
        adapter = wanted.get(directory)
        if adapter is None or path in known or not any(fnmatchcase(name, g) for g in adapter.stray_globs):
            continue
        if adapter.runs_as_other_file(name):
            continue
        found.append(
            ParseFailure(
                adapter.name,
                path,
                tree[path],
                1,
                f"the name is not {adapter.name_form}: {adapter.name} never runs this file",
            )
        )
    return found


class MigrationParser:
    def __init__(self, source: BlobSource, config: Config, cache: ParseCache | None = None) -> None:
        self.source = source
        self.config = config
        self.cache = cache
        self._results: dict[CacheKey, CachedResult] = {}
        self._texts: dict[str, str | UnreadableFile] = {}
        self._link_memo: dict[object, Migration] = {}

    # -- blobs ---------------------------------------------------------------------------
    def texts(self, shas: Iterable[str]) -> dict[str, str | UnreadableFile]:
        missing = [s for s in dict.fromkeys(shas) if s not in self._texts]
        if missing:
            for sha, size in self.source.blob_sizes(missing).items():
                if (refused := too_large(size)) is not None:
                    self._texts[sha] = refused
            missing = [s for s in missing if s not in self._texts]
        if missing:
            for sha, data in self.source.read_blobs(missing).items():
                try:
                    self._texts[sha] = decode_text(data)
                except UnreadableFile as exc:
                    self._texts[sha] = exc
        return self._texts

    def text(self, sha: str) -> str | None:
        value = self.texts([sha])[sha]
        return value if isinstance(value, str) else None

    # -- trees ---------------------------------------------------------------------------
    def parse_tree(self, tree: Mapping[str, str], only: Collection[str] | None = None) -> MigrationSet:
        """The migrations of ``tree``; with ``only``, just those paths (no cross-file linking)."""
        index = PathIndex(tree)
        aux_paths = aux_wanted(index, self.config)
        texts = self.texts(tree[p] for p in aux_paths)
        aux = {p: t for p in aux_paths if isinstance(t := texts[tree[p]], str)}
        chains = candidate_chains(index, aux, self.config)
        if only is not None:
            chains = {p: c for p, c in chains.items() if p in only}
        resolved = self._resolve(chains, tree)
        migrations: list[Migration] = []
        claimed_dirs: set[tuple[str, str]] = set()
        for path, (_candidate, result) in resolved.items():
            if isinstance(result, Migration):
                migrations.append(result)
                claimed_dirs.add((result.framework, parent_dir(path)))
        failures: list[ParseFailure] = []
        for path, (candidate, result) in resolved.items():
            if isinstance(result, Migration):
                continue
            # A file only a guess made a candidate (not a known migration directory) counts as a
            # broken migration only beside migrations its framework did recognise there.
            if isinstance(result, ParseFailure):
                if candidate.strict or (result.framework, parent_dir(path)) in claimed_dirs:
                    failures.append(result)
                else:  # unreadable for every tool (binary, huge): reported for the tool that owns the folder
                    owner = next(
                        (o for o in chains[path] if (o.framework, parent_dir(path)) in claimed_dirs), None
                    )
                    if owner is not None:
                        failures.append(replace(result, framework=owner.framework))
                continue
            for option in chains[path]:
                adapter = BY_NAME[option.framework]
                if (option.framework, parent_dir(path)) in claimed_dirs and adapter.unrecognised_message:
                    failures.append(failure(option, tree[path], adapter.unrecognised_message, 1))
                    break
        if only is None:
            known = {m.path for m in migrations} | {f.path for f in failures}
            failures.extend(_strays(index, tree, claimed_dirs, known))
            migrations = self._link(migrations, aux)
        migrations.sort(key=lambda m: m.path)
        failures.sort(key=lambda f: f.path)
        return MigrationSet(tuple(migrations), tuple(failures))

    def ignored_migrations(self, tree: Mapping[str, str], paths: Iterable[str]) -> list[str]:
        """Changed paths that ``ignore_paths`` keeps from being checked as migrations."""
        if not self.config.ignore_paths:
            return []
        index = PathIndex(tree)
        aux_paths = aux_wanted(index, self.config)
        texts = self.texts(tree[p] for p in aux_paths)
        aux = {p: t for p in aux_paths if isinstance(t := texts[tree[p]], str)}
        return ignored_migrations(index, aux, self.config, [p for p in paths if p in tree])

    def _link(self, migrations: list[Migration], aux: Mapping[str, str]) -> list[Migration]:
        by_framework: dict[str, list[Migration]] = defaultdict(list)
        for m in migrations:
            by_framework[m.framework].append(m)
        linked: list[Migration] = []
        for name, group in by_framework.items():
            linked.extend(BY_NAME[name].link(group, aux, self._link_memo))
        return linked

    def _resolve(
        self, chains: Mapping[str, list[Candidate]], tree: Mapping[str, str]
    ) -> dict[str, tuple[Candidate, CachedResult]]:
        """Try each path's candidates in order until one framework recognises the file."""
        position = dict.fromkeys(chains, 0)
        resolved: dict[str, tuple[Candidate, CachedResult]] = {}
        pending = list(chains)
        while pending:
            keys = {p: self._key(chains[p][position[p]], tree[p]) for p in pending}
            self._fill(keys.values())
            still: list[str] = []
            for path in pending:
                result = self._results[keys[path]]
                if result is None and position[path] + 1 < len(chains[path]):
                    position[path] += 1
                    still.append(path)
                else:
                    resolved[path] = (chains[path][position[path]], result)
            pending = still
        return resolved

    @staticmethod
    def _key(candidate: Candidate, sha: str) -> CacheKey:
        return (candidate.framework, candidate.path, candidate.namespace, candidate.strict, sha)

    def _fill(self, keys: Iterable[CacheKey]) -> None:
        wanted = [k for k in dict.fromkeys(keys) if k not in self._results]
        if not wanted:
            return
        if self.cache is not None:
            hits = self.cache.get_many(wanted)
            self._results.update(hits)
            wanted = [k for k in wanted if k not in hits]
        if not wanted:
            return
        texts = self.texts(k[4] for k in wanted)
        fresh: dict[CacheKey, CachedResult] = {}
        for key in wanted:
            framework, path, namespace, strict, sha = key
            candidate = Candidate(framework, path, namespace, strict)
            text = texts[sha]
            if isinstance(text, UnreadableFile):
                fresh[key] = failure(candidate, sha, text.message, text.line)
            else:
                fresh[key] = _parse_safely(candidate, sha, text)
        self._results.update(fresh)
        if self.cache is not None:
            self.cache.put_many(fresh)
