"""The README keeps up with the code: quick start first, every setting, every make target."""

from __future__ import annotations

import re

from shared.settings import ENVIRONMENT_VARIABLES
from tests.support.processes import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_the_two_commands_come_first() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]


def test_sections_are_in_the_style_guide_order() -> None:
    headings = re.findall(r"^## (.+)$", README, re.MULTILINE)
    assert headings == [
        "Architecture",
        "Wire contract",
        "Configuration",
        "Operations",
        "Development",
        "Benchmarks",
    ]


def test_every_environment_variable_is_in_the_configuration_table() -> None:
    section = README.split("## Configuration", 1)[1].split("## ", 1)[0]
    for variable in ENVIRONMENT_VARIABLES:
        assert f"| `{variable}`" in section, f"README configuration lacks {variable}"


def test_every_make_target_is_documented() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.+)$", makefile, re.MULTILINE)
    assert phony
    for target in phony.group(1).split():
        assert f"`make {target}`" in README, f"README lacks make {target}"
