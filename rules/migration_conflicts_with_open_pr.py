"""Another open pull request adds the same migration version, or a child of the same parent.

What goes wrong: both pull requests are green on their own; whichever merges second collides
with the first (duplicate version, or two Alembic heads / two Django leaf nodes) and breaks
the next deploy, or its author finds out only after the merge. Migration Guard keeps an index of
what every open pull request adds, so both authors hear about it before anyone presses merge.

Safe alternative: agree who merges first; the other rebases after that merge and renumbers or
re-parents (`alembic merge`, `makemigrations --merge`, a new timestamp). The check re-runs on its
own when the base branch moves.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Role, Severity
from bot.core.traits import Identity
from bot.frameworks import traits_of

ID = "migration-conflicts-with-open-pr"
SEVERITY = Severity.WARNING
SUMMARY = "Another open pull request adds the same version, or a child of the same parent."
GROUP = "history"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'another open pull request adds the same version, or a child of the same parent (App only: it keeps an index of what open pull requests add)'

#: tools whose identity is a key in the name or file: two migrations with one key cannot both run
_KEYED = (Identity.VERSION, Identity.REVISION)


def check(cs: ChangeSet) -> Iterator[Finding]:
    if not cs.other_prs:
        return
    added = cs.added_paths()
    for m in cs.touched_migrations():
        if m.role is not Role.UP or m.path not in added:
            continue
        for other in cs.other_prs:
            if other.framework != m.framework or other.namespace != m.namespace:
                continue
            traits = traits_of(m.framework)
            if traits.identity in _KEYED and other.key == m.key:
                what = traits.key_word
                yield Finding(
                    ID,
                    SEVERITY,
                    m.path,
                    m.key_line,
                    f"#{other.pr} also adds {what} `{m.key}` (`{other.path}`): whichever merges second must "
                    + ("use a new revision id." if traits.identity is Identity.REVISION else "renumber."),
                    f"Agree with #{other.pr} who merges first; the other rebases and renumbers.",
                    m.framework,
                )
            elif traits.graph and set(m.parents) & set(other.parents):
                parent = sorted(set(m.parents) & set(other.parents))[0].split(":")[-1]
                yield Finding(
                    ID,
                    SEVERITY,
                    m.path,
                    m.parents_line,
                    f"#{other.pr} also adds `{other.key}` after `{parent}`: whichever merges second must re-parent "
                    f"(two heads otherwise).",
                    f"Agree with #{other.pr} who merges first; the other re-parents onto it or adds a merge migration.",
                    m.framework,
                )
