"""The files shipped inside the package: handout templates, drawings, the icon, the .desktop
entry and the demo clinic.

They are read with importlib.resources, never from a path beside the source, so the same
code finds them in the checkout's editable install (which maps the top-level `resources/`
and `data/` folders as `frontdesk.resources` and `frontdesk.data`, see pyproject.toml) and in
an installed wheel, where there is no checkout at all. No Qt here: the handouts use it too.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

RESOURCES_PACKAGE = "frontdesk.resources"
DATA_PACKAGE = "frontdesk.data"
ICON_NAME = "frontdesk"  # the icon theme name, as the .desktop entry's Icon= says
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def resources() -> Traversable:
    return files(RESOURCES_PACKAGE)


def handout_templates() -> Traversable:
    """The folder of handout texts: `<language>/<kind>.html`."""
    return resources() / "handouts"


def face_svg() -> bytes:
    """The intake's face diagram, one SVG group per region."""
    return (resources() / "face.svg").read_bytes()


def icon_svg() -> bytes:
    return (resources() / "icons" / f"{ICON_NAME}.svg").read_bytes()


def icon_file(size: int) -> Traversable:
    """The icon rendered at `size` px (one of ICON_SIZES), a PNG."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; there are {ICON_SIZES}")
    return resources() / "icons" / f"{ICON_NAME}-{size}.png"


def icon_png(size: int) -> bytes:
    return icon_file(size).read_bytes()


def desktop_entry() -> str:
    """The Linux menu entry, with `Exec=frontdesk` (the set-up script points it at .venv)."""
    return (resources() / f"{ICON_NAME}.desktop").read_text(encoding="utf-8")


def demo_clinic() -> Traversable:
    """The demo clinic's seed and name pools (JSON)."""
    return files(DATA_PACKAGE) / "demo_clinic.json"
