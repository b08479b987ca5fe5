"""The README documents every command, option and setting, and CI runs its test command."""

from __future__ import annotations

import re

import click

from evidence.cli import main
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
ENVIRONMENT = ("EVIDENCE_DB_URL", "EVIDENCE_EUTILS_URL", "NCBI_API_KEY", "NCBI_EMAIL",
               "EVIDENCE_TEST_POSTGRES_URL", "EVIDENCE_REQUIRE_POSTGRES",
               "EVIDENCE_REQUIRE_BROWSER")


def test_every_command_and_option_is_documented():
    context = click.Context(main)
    for name, command in main.commands.items():
        assert f"evidence {name}" in README, f"command {name} is not in the README"
        for parameter in command.get_params(context):
            if isinstance(parameter, click.Option) and not parameter.hidden:
                for flag in parameter.opts:
                    if flag.startswith("--") and flag != "--help":
                        assert flag in README, f"{name} {flag} is not in the README"


def test_every_setting_is_documented():
    for variable in ENVIRONMENT:
        assert variable in README, variable


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"^(make \w+)\s+# the whole test suite", README, flags=re.M)
    assert commands == ["make test"]
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.M)
