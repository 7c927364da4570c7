"""What sqlite-utils imports for features Frontdesk never calls, loaded on first use instead.

`sqlite_utils.recipes` imports dateutil's parser (with dateutil.tz and six) for its
date-parsing recipes, which no Frontdesk path calls: ~5-9 ms of every start. Deferred with
the standard library's `importlib.util.LazyLoader`, the module is there by name and runs at
its first attribute read, so anything that does use it still works. (click, which
`sqlite_utils.utils` imports for its command line, cannot wait: `sqlite_utils.hookspecs`
reads `click.Group` as it loads.)"""

from __future__ import annotations

import importlib.util
import sys

UNUSED_BY_FRONTDESK = ("dateutil.parser",)


def defer_unused_imports() -> list[str]:
    """Call before sqlite_utils is first imported; returns the modules it deferred (none that
    was already loaded, nor one that cannot be found)."""
    deferred = []
    for name in UNUSED_BY_FRONTDESK:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)
        deferred.append(name)
    return deferred
