"""Peak resident memory of this process, for --smoke and the start-up benchmark."""

from __future__ import annotations

import resource


def peak_mib() -> float:
    """VmHWM where Linux offers it: unlike ru_maxrss it is not inherited from the parent."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
