"""Line numbers a change touches, from unified diff hunks (``git diff -U0`` or the GitHub ``patch``).

Review comments may only target lines inside the diff, and ``deployed-migration-modified``
points at the first changed line, so both front ends reduce their diffs to this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class HunkLines:
    added: frozenset[int]  # head-side lines that are new or changed
    first_changed: int | None  # head-side line where the first change sits
    context: frozenset[int] = frozenset()  # head-side context lines shown in the diff


def hunk_lines(patch: str) -> HunkLines:
    """Head-side lines of one file's patch (the text after its ``diff --git`` header)."""
    added: set[int] = set()
    context: set[int] = set()
    first: int | None = None
    new_line = 0
    in_hunk = False
    for line in patch.splitlines():
        header = _HUNK.match(line)
        if header:
            in_hunk = True
            new_start = int(header.group(3))
            new_count = int(header.group(4)) if header.group(4) is not None else 1
            # A hunk that only deletes (+N,0) sits after head line N: its lines "start" at N + 1.
            new_line = new_start if new_count else new_start + 1
            continue
        if not in_hunk:
            continue
        if line.startswith("+"):
            added.add(new_line)
            first = new_line if first is None else min(first, new_line)
            new_line += 1
        elif line.startswith("-"):
            first = new_line if first is None else min(first, new_line)  # the head line that follows it
        elif line.startswith(" "):
            context.add(new_line)
            new_line += 1
        # "\ No newline at end of file" and anything else: no line on the head side
    return HunkLines(frozenset(added), first, frozenset(context))
