"""``python -m ampcore``: the same as the ``ampcore`` command (see :mod:`ampcore.cli`)."""

from __future__ import annotations

if __name__ == "__main__":
    from .cli import main

    raise SystemExit(main())
