"""`migration-guard config-schema`: the JSON Schema editors (and SchemaStore) use for
`.github/migration-guard.yml`. It accepts what the tool accepts and refuses what it refuses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.cli import main
from bot.core.config import ConfigError
from bot.frameworks import BY_NAME
from bot.pipeline.configuration import config_schema, read_config
from rules import ALIASES, RULES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

GOOD = [
    "rules:\n  ban-drop-column: error\n  migration-naming: off\n",
    "paths:\n  - path: db/migrations\n    framework: goose\ndialect: mysql\n",
    "deployed: production\n",
    "deployed:\n  tag: 'v*'\nreview:\n  max_inline_comments: 5\n  min_severity: error\n",
    "limits:\n  seconds: 10\nignore_paths: ['legacy/**']\nnaming_pattern: '^[0-9]+_[a-z_]+$'\n",
]
BAD = [
    "rule:\n  ban-drop-column: error\n",  # unknown key
    "rules:\n  ban-drop-colum: error\n",  # unknown rule
    "rules:\n  ban-drop-column: loud\n",  # unknown severity
    "paths:\n  - path: db\n    framework: flask\n",  # unknown framework
    "review:\n  max_inline_comments: -1\n",
]


@pytest.mark.parametrize("text", GOOD)
def test_what_the_tool_accepts_the_schema_accepts(text: str) -> None:
    read_config(text, "cfg")
    jsonschema.validate(yaml.safe_load(text), config_schema())


@pytest.mark.parametrize("text", BAD)
def test_what_the_tool_refuses_the_schema_refuses(text: str) -> None:
    with pytest.raises(ConfigError):
        read_config(text, "cfg")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), config_schema())


def test_the_schema_names_every_rule_and_framework_and_describes_every_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config-schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]["rules"]["properties"]) == set(RULES) | set(ALIASES)
    assert schema["$defs"]["PathEntry"]["properties"]["framework"]["enum"] == sorted(BY_NAME)
    assert all(p.get("description") for p in schema["properties"].values())


def test_the_committed_schema_file_is_current() -> None:
    """`schema/migration-guard.schema.json` is what the README's `$schema` line points at."""
    import generate_docs

    assert (ROOT / "schema" / "migration-guard.schema.json").read_text() == generate_docs.schema_text(), (
        "run python tools/generate_docs.py"
    )
    assert f"# yaml-language-server: $schema={config_schema()['$id']}" in (ROOT / "README.md").read_text()


def test_the_readmes_configuration_example_is_valid() -> None:
    """The README's full example of `.github/migration-guard.yml`, as users copy it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration"):]
    blocks = [b for b in section.split("```yaml\n")[1:3]]
    example = next(b.split("```")[0] for b in blocks if "paths:" in b)
    read_config(example, "README.md")
    jsonschema.validate(yaml.safe_load(example), config_schema())
