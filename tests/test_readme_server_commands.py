"""The commands the README gives the clinic's admin for the clinic server are the app's own.

Every `frontdesk ...` line in a code block of the section "A clinic server for several
workstations" is read by the command line's parser, its optional parts ([...]) included: a
renamed or dropped option shows here rather than at a clinic's first set-up.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from frontdesk.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## A clinic server for several workstations"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end != -1 else len(text)]


def _commands() -> list[str]:
    """Each `frontdesk` line of the section's code blocks, continuations joined, comments cut,
    the brackets of optional parts taken off (the options inside are kept)."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", _section(), re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("frontdesk "):
                commands.append(line.replace("[", "").replace("]", ""))
    return commands


def test_the_section_gives_the_set_up_commands() -> None:
    commands = " ".join(_commands())
    for words in ("server init", "server move", "--server-ca", "backup", "restore"):
        assert words in commands


@pytest.mark.parametrize("command", _commands())
def test_every_command_in_the_server_section_is_read_by_the_parser(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit:
        pytest.fail(f"the parser refuses {command!r}: {capsys.readouterr().err.strip()}")
