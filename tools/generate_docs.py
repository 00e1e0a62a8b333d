"""Write the README's rule tables from the rule modules (their ``ID``, ``SEVERITY`` and
``CATCHES``), so the README, ``migration-guard rules``, ``explain`` and the rule pages have one
source. Run after adding or changing a rule; ``tests/test_structure.py`` fails while the README
is behind."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.report.rule_docs import with_readme_tables  # noqa: E402


def main() -> int:
    readme = ROOT / "README.md"
    before = readme.read_text(encoding="utf-8")
    after = with_readme_tables(before)
    if after != before:
        readme.write_text(after, encoding="utf-8")
        print("README.md: rule tables rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
