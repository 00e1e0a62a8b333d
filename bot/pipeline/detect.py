"""Which files of a tree are migrations, and of which framework (paths only, no I/O).

Each path gets a chain of candidates in framework order; the parser tries them in turn and the
first framework that recognises the content wins. Configured ``paths`` replace automatic
detection (explicit is predictable); ``ignore_paths`` drop files either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.core.config import Config
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


def unmatched_paths(config: Config, tree_paths: Iterable[str]) -> list[str]:
    """Configured ``paths:`` entries under which the tree holds no file: a typo there would
    otherwise switch detection off and pass every pull request in silence."""
    entries = [e.path for e in config.paths]
    if not entries:
        return []
    seen: set[str] = set()
    for path in tree_paths:
        for entry in entries:
            if entry not in seen and path.startswith(entry + "/"):
                seen.add(entry)
    return [e for e in entries if e not in seen]


def ignored_migrations(index: PathIndex, aux: Mapping[str, str], config: Config, paths: Iterable[str]) -> list[str]:
    """Of ``paths``, those that would be migration candidates but for ``ignore_paths``."""
    wanted = [p for p in paths if config.ignored(p)]
    if not wanted:
        return []
    chains = candidate_chains(index, aux, config.model_copy(update={"ignore_paths": []}))
    return sorted(p for p in wanted if p in chains)


def ignored_note(ignored: Sequence[str], checked: int) -> str:
    shown = ", ".join(f"`{p}`" for p in ignored[:5]) + (f" and {len(ignored) - 5} more" if len(ignored) > 5 else "")
    if checked == 0:
        return f"`ignore_paths` skips every changed migration ({shown}): nothing was checked."
    return f"`ignore_paths` skips {len(ignored)} changed migration file(s): {shown}."
