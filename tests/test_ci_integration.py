"""What users copy into their repositories: the README's workflow, `action.yml` and the pre-commit
hook definition, parsed and checked against the CLI they call."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def _readme_block(after: str, language: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(after):]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found, f"no {language} block after {after!r}"
    return found.group(1)


def test_the_readme_workflow_runs_the_action_with_the_permissions_it_needs() -> None:
    workflow = yaml.safe_load(_readme_block("### GitHub Action", "yaml"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true, as GitHub's parser does not
    assert set(triggers) == {"pull_request", "merge_group"}
    assert workflow["permissions"] == {"checks": "write", "pull-requests": "write", "contents": "read"}
    (job,) = workflow["jobs"].values()
    checkout, action = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    assert action["uses"] == "migration-guard/migration-guard@v1"
    declared = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"]
    assert set(action.get("with", {})) <= set(declared)


def test_the_action_is_a_composite_that_runs_migration_guard_action() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"config", "version", "github-token"}
    runs = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    command = shlex.split(runs[-1])
    assert command[0].endswith("/bin/migration-guard") and command[1:] == ["action", "--config", "$MG_CONFIG"]
    build_parser().parse_args(["action", "--config", ".github/migration-guard.yml"])  # the CLI takes it


def test_the_pre_commit_hook_checks_what_is_staged() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "migration-guard" and hook["pass_filenames"] is False
    program, *args = shlex.split(hook["entry"])
    assert program == "migration-guard" and args == ["check", "--staged"]
    assert build_parser().parse_args(args).staged is True
    readme_hook = yaml.safe_load(_readme_block("### pre-commit", "yaml"))["repos"][0]["hooks"][0]
    assert readme_hook["id"] == hook["id"]
