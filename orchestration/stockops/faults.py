"""Fault injection for the crash tests: kill this process, for real, at a named point.

Set STOCKOPS_FAULT_POINT to a point's name (e.g. `export_after_insert`) and the process SIGKILLs
itself when it reaches that point; STOCKOPS_FAULT_SKIP=n lets the first n passes through first.
Unset (always, outside tests), `fault_point` does nothing.
"""

from __future__ import annotations

import os
import signal

_passes: dict[str, int] = {}


def fault_point(name: str) -> None:
    if os.environ.get("STOCKOPS_FAULT_POINT") != name:
        return
    seen = _passes.get(name, 0)
    _passes[name] = seen + 1
    if seen >= int(os.environ.get("STOCKOPS_FAULT_SKIP", "0") or 0):
        os.kill(os.getpid(), signal.SIGKILL)
