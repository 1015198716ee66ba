"""Shared pytest fixtures for the ampcore tests.

Global state is reset here rather than through environment variables: an exported
``MPLBACKEND`` would also reach notebook kernels and blank the book's figures
(research/toolchain.md section 6).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import matplotlib
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _matplotlib_agg() -> Iterator[None]:
    """Draw with the non-interactive Agg backend; restore rcParams and close figures afterwards."""
    matplotlib.use("Agg")
    with matplotlib.rc_context():
        yield
    pyplot = sys.modules.get("matplotlib.pyplot")  # imported only if a test used it
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, fixed-seed generator for each test, so tests do not share random streams."""
    return np.random.default_rng(20250101)
