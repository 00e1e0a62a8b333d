"""``migration-guard``: the same engine as the GitHub App, run on a local git repository.

Exit status: 0 when no finding is an error, 1 when one is, 2 for usage, configuration or git
problems (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bot import __version__
from bot.core.settings import SettingsError
from bot.gc_policy import tune as tune_collector

if TYPE_CHECKING:
    from bot.core.config import Config
    from bot.core.model import ChangeSet
    from bot.pipeline.engine import Result
    from bot.pipeline.gitrepo import GitRepo

# The checker's modules (configuration, pipeline, rules, reports) are imported by the commands
# that use them: `serve` (and each worker process it spawns, which imports this module first)
# starts without them. Each import below says so with `# lazy: checker`.
#: ``bot.core.config.DEFAULT_PATH`` (a test keeps them equal), here so the parser needs no pydantic
DEFAULT_PATH = ".github/migration-guard.yml"

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + error
        raise UsageError(message)


CHECK_HELP = """\
Check the migrations that HEAD changes relative to its merge base with the base branch, as a
pull request would show them. Ordering and history checks compare against the base branch tip
and the deployed ref, so a migration merged on the base after this branch was cut is seen.
Only committed work is checked (uncommitted and untracked changes are not part of the change),
unless --staged: then what is staged is checked on top of the branch, before it is committed.

exit status: 0 no error findings, 1 at least one error finding, 2 usage/configuration/git problem
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="migration-guard", description="Reviews database migrations in a change.")
    parser.add_argument("--version", action="version", version=f"migration-guard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = commands.add_parser(
        "check",
        help="check the migrations a branch changes",
        description=CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--repo", default=".", help="repository directory (default: .)")
    check.add_argument("--base", help="base branch or ref (default: origin/HEAD, then main, then master)")
    check.add_argument("--head", default="HEAD", help="the change's tip (default: HEAD)")
    check.add_argument("--deployed-ref", help="ref whose migrations already ran (default: config, else --base)")
    check.add_argument("--config", help=f"configuration file (default: {DEFAULT_PATH} in the repository)")
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format")
    check.add_argument("--output", help="write the report to this file instead of stdout")
    check.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR forces it)",
    )
    check.add_argument("--no-cache", action="store_true", help="do not read or write the parse cache")
    check.add_argument(
        "--staged",
        action="store_true",
        help="check what is staged (the index) on top of the branch, as a pre-commit hook does",
    )

    listing = commands.add_parser("rules", help="list every rule: id, default severity, front ends, summary")
    listing.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    commands.add_parser("config-schema", help=f"print the JSON Schema of {DEFAULT_PATH} (for editors)")
    explain = commands.add_parser("explain", help="explain one rule and its safe alternative")
    explain.add_argument("rule", help="rule id, e.g. missing-rollback")

    serve = commands.add_parser(
        "serve",
        help="run the GitHub App (webhook service and workers)",
        description="Settings come from the environment: GITHUB_APP_ID, GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH, "
        "GITHUB_WEBHOOK_SECRET, GITHUB_API_URL, MIGRATION_GUARD_DATABASE_URL (see README).",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080)")

    action = commands.add_parser(
        "action",
        help="run inside a GitHub Actions job: check the pull request, post the check run and review",
        description="Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, "
        "GITHUB_WORKSPACE and GITHUB_STEP_SUMMARY, as a GitHub Actions job sets them (see README, GitHub Action).",
    )
    action.add_argument("--config", help=f"configuration file in the repository (default: {DEFAULT_PATH}), read at the base")

    demo = commands.add_parser("demo", help="create a sample repository with a collision and check it")
    demo.add_argument("directory", nargs="?", help="where to create it (default: a new temporary folder)")
    return parser


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors a user can fix: printed as one line, exit status 2. The module that raised one
    is loaded already, so these imports cost nothing."""
    from bot.core.config import ConfigError  # lazy: checker (pydantic stays out of `serve`)
    from bot.pipeline.gitrepo import GitError  # lazy: checker

    return (UsageError, ConfigError, GitError, SettingsError)


def main(argv: Sequence[str] | None = None) -> int:
    tune_collector()
    try:
        args = build_parser().parse_args(argv)
        if args.command == "rules":
            return _list_rules(args.format)
        if args.command == "explain":
            return _explain(args.rule)
        if args.command == "config-schema":
            from bot.pipeline.configuration import config_schema  # lazy: checker

            print(json.dumps(config_schema(), indent=2))
            return EXIT_OK
        if args.command == "serve":
            _serve(args.host, args.port)
            return EXIT_OK
        if args.command == "demo":
            from bot.demo import run_demo  # lazy: checker

            return run_demo(args.directory, main)
        if args.command == "action":
            return _action(args.config)
        return _check(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `migration-guard rules | head`: the reader left; nothing to report
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_OK
    except Exception as exc:
        if isinstance(exc, _user_errors()):
            print(f"migration-guard: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if os.environ.get("MIGRATION_GUARD_DEBUG"):
            raise
        print(
            f"migration-guard: internal error: {type(exc).__name__}: {exc} (set MIGRATION_GUARD_DEBUG=1 for "
            "a traceback)",
            file=sys.stderr,
        )
        return EXIT_USAGE


#: what ``migration-guard[app]`` adds; ``serve`` says which is missing instead of a traceback
APP_EXTRA = ("starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg")


def _serve(host: str, port: int) -> None:
    try:
        from bot.app.serve import serve  # lazy: the server's packages come with the [app] extra only
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in APP_EXTRA:
            raise
        raise UsageError(
            f"serve needs the App's packages ({exc.name} is not installed): pip install 'migration-guard[app]'"
        ) from None
    serve(host, port)


def _action(config_path: str | None) -> int:
    from bot.action import ActionError, run_action  # lazy: githubkit loads only to post to GitHub

    try:
        return run_action(os.environ, config_path)
    except ActionError as exc:
        raise UsageError(str(exc)) from None


def _list_rules(fmt: str = "text") -> int:
    """Every rule with its default severity (as a repository without configuration gets it), the
    front ends it fires on and its summary; ``json`` for tools."""
    from rules import RULES  # lazy: checker

    if fmt == "json":
        rows = [{"id": r.id, "severity": r.default_label, "severity_when_on": r.severity.label, "group": r.group,
                 "applies_to": list(r.applies_to), "aliases": list(r.aliases), "summary": r.summary}
                for r in RULES.values()]  # fmt: skip
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max(len(r) for r in RULES)
    fronts = {r.id: ", ".join(r.applies_to) for r in RULES.values()}
    front_width = max(len(f) for f in fronts.values())
    for rule in RULES.values():
        print(f"{rule.id:<{width}}  {rule.default_label:<7}  {fronts[rule.id]:<{front_width}}  {rule.summary}")
    if any(not r.on_by_default for r in RULES.values()):
        print("\n`off`: a rule of taste, run where the configuration gives it a severity (rules: {<id>: notice}).")
    return EXIT_OK


def _explain(rule_id: str) -> int:
    """A rule's explanation; squawk's id for one (or, ``require-timeout-settings``, two) of ours explains those."""
    from bot.core.suggest import did_you_mean  # lazy: checker
    from bot.report.rule_docs import as_text  # lazy: checker
    from rules import ALIASES, RULES  # lazy: checker

    ids = ALIASES.get(rule_id, (rule_id,))
    if any(i not in RULES for i in ids):
        raise UsageError(f"unknown rule {rule_id!r}{did_you_mean(rule_id, RULES)} (see `migration-guard rules`)")
    if rule_id in ALIASES:
        print(f"`{rule_id}` is squawk's id for {', '.join(f'`{i}`' for i in ids)}.\n")
    print("\n\n".join(as_text(RULES[i]) for i in ids))
    return EXIT_OK


def load_config(repo: GitRepo, path: str | None) -> Config:
    from bot.core.config import Config, ConfigError, refuse_oversized_config  # lazy: checker
    from bot.pipeline.configuration import read_config  # lazy: checker

    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise UsageError(f"--config {path}: no such file")
    else:
        file = repo.root / DEFAULT_PATH
        if not file.is_file():
            return Config()
    try:
        refuse_oversized_config(file.stat().st_size, path or DEFAULT_PATH)  # before reading it whole
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path or DEFAULT_PATH}: cannot read: {exc}") from None
    return read_config(text, path or DEFAULT_PATH)


def _resolve(repo: GitRepo, ref: str, option: str) -> str:
    from bot.pipeline.local_check import shallow_hint  # lazy: checker

    sha = repo.resolve(ref)
    if sha is None:
        if option == "--head" and repo.resolve("HEAD") is None:
            raise UsageError("the repository has no commits yet: commit the migrations first")
        raise UsageError(f"{option} {ref}: no such branch, tag or commit{shallow_hint(repo, ref)}")
    return sha


def deployed_of(repo: GitRepo, config: Config, base_name: str, explicit: str | None) -> tuple[str, str]:
    """(name, option that named it): ``--deployed-ref``, else the configuration's ``deployed``,
    else the base."""
    if explicit:
        return explicit, "--deployed-ref"
    if config.deployed is None:
        return base_name, "--base"
    if config.deployed.environment:
        raise UsageError(
            f"deployed.environment {config.deployed.environment!r} is resolved by the GitHub App from GitHub "
            "deployments; locally, pass --deployed-ref"
        )
    if config.deployed.tag:
        tag = repo.newest_tag(config.deployed.tag)
        if tag is None:
            raise UsageError(f"deployed.tag {config.deployed.tag!r}: no tag matches")
        return tag, "deployed"
    return config.deployed.ref or config.deployed.branch or base_name, "deployed"


def _check(args: argparse.Namespace) -> int:
    from bot.pipeline.gitrepo import GitRepo  # lazy: checker
    from bot.pipeline.local_check import Range, check_range, shallow_hint  # lazy: checker

    repo = GitRepo(args.repo)
    head_commit = _resolve(repo, args.head, "--head")
    base_name = args.base or repo.default_base()
    if base_name is None:
        raise UsageError("no base branch: none of origin/HEAD, main or master exists; pass --base REF")
    base = _resolve(repo, base_name, "--base")
    config = load_config(repo, args.config)
    deployed_name, option = deployed_of(repo, config, base_name, args.deployed_ref)
    deployed = _resolve(repo, deployed_name, option)

    merge_base = repo.merge_base(base, head_commit)
    if merge_base is None:
        raise UsageError(
            f"--base {base_name} and --head {args.head} share no history{shallow_hint(repo, 'their merge base')}"
        )
    head, head_name = (repo.index_tree(), "the index") if args.staged else (head_commit, args.head)
    span = Range(base_name, base, head_name, head, merge_base, deployed_name, deployed)
    cache = None if args.no_cache else repo.git_dir() / "migration-guard"
    result, changeset = check_range(repo, config, span, args.config or DEFAULT_PATH, cache)
    _emit(result, args)
    if not args.staged:
        _hint_uncommitted(repo, changeset)
    return EXIT_FINDINGS if result.failed else EXIT_OK


def _hint_uncommitted(repo: GitRepo, changeset: ChangeSet) -> None:
    """Uncommitted work on migrations is not part of the change: say so, once, naming ``--staged``."""
    folders = {m.path.rsplit("/", 1)[0] for m in changeset.head.migrations if "/" in m.path}
    pending = [p for p in repo.uncommitted_paths() if p.rsplit("/", 1)[0] in folders or
               any(p.startswith(f + "/") for f in folders)]  # fmt: skip
    if pending:
        more = f" and {len(pending) - 1} more" if len(pending) > 1 else ""
        print(f"migration-guard: note: uncommitted changes to migrations are not checked ({pending[0]}{more}); "
              "stage them and run `check --staged` to check them", file=sys.stderr)  # fmt: skip


def _colour(args: argparse.Namespace) -> bool:
    """``--color`` first; for ``auto``: FORCE_COLOR forces it, NO_COLOR or a file or pipe turns it off."""
    if args.color != "auto":
        return bool(args.color == "always")
    if os.environ.get("FORCE_COLOR"):
        return True
    return args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _emit(result: Result, args: argparse.Namespace) -> None:
    from bot.report.json_format import render_parts as json_parts  # lazy: checker
    from bot.report.sarif import render as render_sarif  # lazy: checker
    from bot.report.text import render as render_text  # lazy: checker

    parts: Iterable[str]
    if args.format == "json":
        parts = json_parts(result)  # written as made: a large change's whole document is never held
    elif args.format == "sarif":
        parts = [render_sarif(result)]
    else:
        parts = [render_text(result, colour=_colour(args), width=shutil.get_terminal_size((100, 24)).columns)]
    if args.output:
        try:
            with Path(args.output).open("w", encoding="utf-8") as out:
                out.writelines(parts)
        except OSError as exc:
            raise UsageError(f"--output {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.writelines(parts)


if __name__ == "__main__":
    sys.exit(main())
