"""Which files of a tree are migrations, and of which framework (paths only, no I/O).

Each path gets a chain of candidates in framework order; the parser tries them in turn and the
first framework that recognises the content wins. Configured ``paths`` replace automatic
detection (explicit is predictable); ``ignore_paths`` drop files either way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.config import Config
from bot.frameworks import BY_NAME, FRAMEWORKS, Candidate


def aux_wanted(paths: Collection[str], config: Config) -> list[str]:
    """Small files the adapters read to detect and link (``alembic.ini``, Django ``apps.py``)."""
    path_set = paths if isinstance(paths, set | frozenset) else set(paths)
    wanted: list[str] = []
    for framework in _frameworks(config):
        wanted.extend(p for p in framework.aux_wanted(path_set) if p in path_set)
    return sorted(set(wanted))


def candidate_chains(paths: Collection[str], aux: Mapping[str, str], config: Config) -> dict[str, list[Candidate]]:
    chains: dict[str, list[Candidate]] = {}
    if config.paths:
        for entry in config.paths:
            for candidate in BY_NAME[entry.framework].select_in(entry.path, paths):
                chains.setdefault(candidate.path, []).append(candidate)
    else:
        for framework in FRAMEWORKS:
            for candidate in framework.select(paths, aux):
                chains.setdefault(candidate.path, []).append(candidate)
    if config.ignore_paths:
        chains = {p: c for p, c in chains.items() if not config.ignored(p)}
    return chains


def _frameworks(config: Config) -> list:
    if config.paths:
        return [BY_NAME[name] for name in dict.fromkeys(e.framework for e in config.paths)]
    return list(FRAMEWORKS)
