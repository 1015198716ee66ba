"""``python -m ampcore`` and the ``ampcore`` console script: the command of :mod:`ampcore.cli`.

The console script starts here rather than in :mod:`ampcore.cli`, so that a Ctrl-C while the
command's own modules are still loading is one line and exit 130 too, not a traceback. (A
Ctrl-C in the first few tens of milliseconds, while Python itself starts, ends the process as
Python does: exit -2, before any ampcore code runs.)
"""

from __future__ import annotations

import sys


def main() -> int:
    """Load :mod:`ampcore.cli` and run its ``main``; a Ctrl-C while loading is exit 130."""
    try:
        from .cli import main as command
    except KeyboardInterrupt:
        print("ampcore: interrupted", file=sys.stderr)
        return 130
    return command()


if __name__ == "__main__":
    raise SystemExit(main())
