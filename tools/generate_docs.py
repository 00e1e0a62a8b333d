"""Write what is generated from the code: the README's rule tables from the rule modules (their
``ID``, ``SEVERITY`` and ``CATCHES``), so the README, ``migration-guard rules``, ``explain`` and the
rule pages have one source; ``schema/migration-guard.schema.json`` (``migration-guard
config-schema``); and ``app.yml``, the App's manifest (``bot.app.manifest``). Run after changing a rule or the configuration; tests fail while either is behind."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.manifest import app_yml  # noqa: E402
from bot.pipeline.configuration import config_schema  # noqa: E402
from bot.report.rule_docs import with_readme_tables  # noqa: E402

SCHEMA = ROOT / "schema" / "migration-guard.schema.json"


def schema_text() -> str:
    return json.dumps(config_schema(), indent=2) + "\n"


def main() -> int:
    readme = ROOT / "README.md"
    before = readme.read_text(encoding="utf-8")
    after = with_readme_tables(before)
    if after != before:
        readme.write_text(after, encoding="utf-8")
        print("README.md: rule tables rewritten")
    if not SCHEMA.is_file() or SCHEMA.read_text(encoding="utf-8") != schema_text():
        SCHEMA.parent.mkdir(exist_ok=True)
        SCHEMA.write_text(schema_text(), encoding="utf-8")
        print(f"{SCHEMA.relative_to(ROOT)}: rewritten")
    manifest = ROOT / "app.yml"
    if manifest.read_text(encoding="utf-8") != app_yml():
        manifest.write_text(app_yml(), encoding="utf-8")
        print("app.yml: rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
