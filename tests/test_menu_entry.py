"""scripts/install_menu_entry.sh (run by scripts/setup.sh for a desktop user) puts the menu
entry, pointing at this checkout's .venv, and the icon in every size where menus look."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from frontdesk.bundled import ICON_SIZES

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install_menu_entry.sh"


def install(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), str(data)], capture_output=True, text=True, timeout=30
    )


def test_the_entry_starts_this_checkouts_app_with_its_icon(tmp_path: Path) -> None:
    data = tmp_path / "share"
    done = install(data)
    assert done.returncode == 0, done.stderr
    assert "added Frontdesk to the applications menu" in done.stdout
    entry = (data / "applications" / "frontdesk.desktop").read_text(encoding="utf-8")
    program = ROOT / ".venv" / "bin" / "frontdesk"
    assert f'\nExec="{program}"\n' in entry
    assert f'\nExec="{program}" --demo\n' in entry
    assert "\nIcon=frontdesk\n" in entry
    for size in ICON_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "frontdesk.png"
        assert (
            icon.read_bytes()
            == (ROOT / "resources" / "icons" / f"frontdesk-{size}.png").read_bytes()
        )
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "frontdesk.svg").is_file()


def test_a_second_run_changes_nothing_and_says_nothing(tmp_path: Path) -> None:
    data = tmp_path / "share"
    install(data)
    before = {p: p.stat().st_mtime_ns for p in data.rglob("*") if p.is_file()}
    again = install(data)
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""
    assert {p: p.stat().st_mtime_ns for p in data.rglob("*") if p.is_file()} == before


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed"
)
def test_the_installed_entry_validates(tmp_path: Path) -> None:
    install(tmp_path)
    checked = subprocess.run(
        ["desktop-file-validate", str(tmp_path / "applications" / "frontdesk.desktop")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
