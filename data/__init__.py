"""Installed as the package `frontdesk.data` (see pyproject.toml): the demo clinic's name
pools, read through `frontdesk.bundled`."""
