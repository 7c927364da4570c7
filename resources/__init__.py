"""Installed as the package `frontdesk.resources` (see pyproject.toml): handout templates,
the face drawing, the icon and the .desktop entry, read through `frontdesk.bundled`."""
