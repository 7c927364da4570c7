"""Frontdesk runs from a built wheel, away from the checkout: the wheel is built here, installed
into a fresh virtual environment, and that installed app starts the demo and prints a handout
from a folder outside the checkout.

Offline and quick: the wheel is built with the project venv's own setuptools (no build
isolation, no index), and the fresh venv borrows the project venv's dependencies through a
.pth file instead of downloading them; the project venv's .pth files (its editable install
of the checkout) are not read from there, so only the wheel's copy of frontdesk is seen.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import frontdesk
from frontdesk import bundled
from frontdesk.bundled import ICON_NAME, ICON_SIZES, desktop_entry
from frontdesk.domain.handouts import Kind, Language
from frontdesk.storage.engine import sqlite3

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MAPPED = {"frontdesk.resources": "resources", "frontdesk.data": "data"}
PIP = (sys.executable, "-m", "pip")
SOURCES = ("pyproject.toml", "README.md", "frontdesk", "resources", "data")


# --- the configuration, read from pyproject.toml ---------------------------------------------


def test_one_version_number_comes_from_the_package() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "frontdesk.__version__"}
    assert frontdesk.__version__.count(".") == 2


def test_the_package_list_names_every_package_and_data_folder() -> None:
    """The packages are listed (the data folders are mapped in), so a new subpackage or data
    folder must be added to pyproject.toml: this says which."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"] == MAPPED
    code = ROOT / "frontdesk"
    expected = {".".join(init.parent.relative_to(ROOT).parts) for init in code.rglob("__init__.py")}
    for package, folder in MAPPED.items():
        top = ROOT / folder
        expected.update(  # every folder of data: setuptools takes it as a package
            ".".join((package, *path.relative_to(top).parts))
            for path in (top, *top.rglob("*"))
            if path.is_dir() and "__pycache__" not in path.parts
        )
    assert set(setuptools["packages"]) == expected


def test_the_desktop_entry_starts_the_gui_script_with_the_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read_string(desktop_entry())
    main = entry["Desktop Entry"]
    assert main["Type"] == "Application" and main["Terminal"] == "false"
    assert main["Icon"] == ICON_NAME
    assert main["Exec"] == "frontdesk"  # scripts/setup.sh points it at the checkout's .venv
    assert "frontdesk" in PYPROJECT["project"]["gui-scripts"]
    assert entry["Desktop Action demo"]["Exec"] == "frontdesk --demo"


def test_in_the_checkout_the_package_data_is_the_top_level_folders() -> None:
    """The editable install maps resources/ and data/ themselves: an edited template or
    drawing is seen at once, without reinstalling."""
    assert Path(str(bundled.resources())) == ROOT / "resources"
    assert Path(str(bundled.demo_clinic())) == ROOT / "data" / "demo_clinic.json"
    for language in Language:
        for kind in Kind:
            assert "<h1>" in (
                bundled.handout_templates() / language.value / f"{kind.value}.html"
            ).read_text(encoding="utf-8")
    assert b'id="region-forehead"' in bundled.face_svg()
    assert bundled.icon_svg().startswith(b"<?xml")


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed"
)
def test_desktop_file_validate_accepts_the_entry() -> None:
    checked = subprocess.run(
        ["desktop-file-validate", str(ROOT / "resources" / "frontdesk.desktop")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "error" not in checked.stdout


def test_the_icon_has_a_png_of_each_size_the_menus_ask_for() -> None:
    for size in ICON_SIZES:
        png = (ROOT / "resources" / "icons" / f"{ICON_NAME}-{size}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (size, size)


# --- the wheel, built and installed ----------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the sources, so the checkout gets no build/ or .egg-info."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)
    offline = ("-q", "--no-deps", "--no-build-isolation", "--no-index")
    built = subprocess.run(
        [*PIP, "wheel", *offline, str(source), "-w", str(work / "dist")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = (work / "dist").glob("frontdesk-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel; returns its bin folder."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "frontdesk-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    done = subprocess.run(
        [*PIP, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin"


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder outside the checkout."""
    folder = tmp_path_factory.mktemp("elsewhere")
    assert not folder.is_relative_to(ROOT)
    return folder


def run_installed(bin_dir: Path, where: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FRONTDESK"))}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(where))
    return subprocess.run(
        [str(bin_dir / argv[0]), *argv[1:]],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.fixture(scope="module")
def demo_start(installed: Path, elsewhere: Path) -> subprocess.CompletedProcess[str]:
    return run_installed(
        installed, elsewhere, "frontdesk", "--demo", "--smoke", "--db", "demo.sqlite3"
    )


def test_the_wheel_holds_every_template_drawing_icon_and_the_demo_clinic(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for package, folder in MAPPED.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                inside = path.relative_to(ROOT / folder).as_posix()
                assert f"{package.replace('.', '/')}/{inside}" in names
    for language in Language:
        for kind in Kind:
            assert f"frontdesk/resources/handouts/{language.value}/{kind.value}.html" in names


def test_the_wheel_carries_the_one_version_number(wheel: Path) -> None:
    assert wheel.name.startswith(f"frontdesk-{frontdesk.__version__}-")
    metadata = zipfile.ZipFile(wheel).read(f"frontdesk-{frontdesk.__version__}.dist-info/METADATA")
    assert f"\nVersion: {frontdesk.__version__}\n".encode() in metadata


@pytest.mark.timeout(300)
def test_the_installed_package_is_the_wheel_not_the_checkout(
    installed: Path, elsewhere: Path
) -> None:
    asked = run_installed(
        installed,
        elsewhere,
        "python",
        "-c",
        "import frontdesk, importlib.metadata as m, frontdesk.bundled as b;"
        "print(frontdesk.__file__); print(b.resources()); print(m.version('frontdesk'))",
    )
    assert asked.returncode == 0, asked.stderr
    package, resources, version = asked.stdout.split()
    venv = installed.parent
    assert Path(package).is_relative_to(venv) and Path(resources).is_relative_to(venv)
    assert version == frontdesk.__version__


@pytest.mark.timeout(300)
def test_the_installed_app_starts_the_demo_outside_the_checkout(
    demo_start: subprocess.CompletedProcess[str], elsewhere: Path
) -> None:
    assert demo_start.returncode == 0, demo_start.stderr
    assert "60 patients added" in demo_start.stdout and "first paint" in demo_start.stdout
    assert (elsewhere / "demo.sqlite3").is_file()


@pytest.mark.timeout(300)
def test_the_installed_handout_command_prints_the_patients_pdf(
    installed: Path, elsewhere: Path, demo_start: subprocess.CompletedProcess[str]
) -> None:
    assert demo_start.returncode == 0, demo_start.stderr
    with sqlite3.connect(f"file:{elsewhere / 'demo.sqlite3'}?mode=ro", uri=True) as db:
        (patient,) = db.execute(
            "SELECT id FROM patients WHERE first_name = 'María' AND last_name = 'García'"
        ).fetchone()
    printed = run_installed(
        installed,
        elsewhere,
        "frontdesk",
        "--db",
        "demo.sqlite3",
        "handout",
        "--patient",
        str(patient),
        "--kind",
        "co2_plan",
        "--lang",
        "es",
        "--out",
        "plan.pdf",
    )
    assert printed.returncode == 0, printed.stderr
    assert (elsewhere / "plan.pdf").is_file()
    text = " ".join(page.extract_text() for page in PdfReader(elsewhere / "plan.pdf").pages)
    assert "María García" in text
    assert "Su plan de láser de CO2 fraccionado" in text  # the template, from the wheel
