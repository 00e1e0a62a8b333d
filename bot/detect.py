"""Which files of a tree are migrations, and of which framework (paths only, no I/O).

Each path gets a chain of candidates in framework order; the parser tries them in turn and the
first framework that recognises the content wins. Configured ``paths`` replace automatic
detection (explicit is predictable); ``ignore_paths`` drop files either way.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Config
from bot.frameworks import BY_NAME, FRAMEWORKS, Candidate, Framework
from bot.frameworks.base import PathIndex


def aux_wanted(index: PathIndex, config: Config) -> list[str]:
    """Small files the adapters read to detect and link (``alembic.ini``, Django ``apps.py``)."""
    wanted: list[str] = []
    for framework in _frameworks(config):
        wanted.extend(p for p in framework.aux_wanted(index) if p in index.paths)
    return sorted(set(wanted))


def candidate_chains(index: PathIndex, aux: Mapping[str, str], config: Config) -> dict[str, list[Candidate]]:
    chains: dict[str, list[Candidate]] = {}
    if config.paths:
        for entry in config.paths:
            for candidate in BY_NAME[entry.framework].select_in(entry.path, index):
                chains.setdefault(candidate.path, []).append(candidate)
    else:
        for framework in FRAMEWORKS:
            for candidate in framework.select(index, aux):
                chains.setdefault(candidate.path, []).append(candidate)
    if config.ignore_paths:
        chains = {p: c for p, c in chains.items() if not config.ignored(p)}
    return chains


def _frameworks(config: Config) -> list[Framework]:
    if config.paths:
        return [BY_NAME[name] for name in dict.fromkeys(e.framework for e in config.paths)]
    return list(FRAMEWORKS)
