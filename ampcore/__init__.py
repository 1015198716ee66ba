"""ampcore: the tested core of *ampbook*, on the information-theoretic limit to data amplification.

Watts & Crow (MLST 2025, arXiv:2412.18041) argue that a generator trained on N events cannot add
information, and give the bound ``2 ln N_G >= 3 ln N``. This package implements the pieces needed
to derive and test it:

* :mod:`ampcore.information` — histogram entropies, the Goldilocks bin width, measured M;
* :mod:`ampcore.bound` — the bound and its reconstructed general form;
* :mod:`ampcore.amplify` — GenCopy and comparison amplifiers;
* :mod:`ampcore.divergence` — the kNN Kullback–Leibler divergence exactly as R ``FNN``;
* :mod:`ampcore.experiment` — trials and grids of trials as tidy tables.

Every public name of those modules is re-exported here; ``help(ampcore.<name>)`` shows its
numpydoc docstring with the formula's provenance (Quoted / Reconstructed / Standard).
"""

from __future__ import annotations

from . import amplify, bound, divergence, experiment, information
from .amplify import *  # noqa: F403
from .bound import *  # noqa: F403
from .divergence import *  # noqa: F403
from .experiment import *  # noqa: F403
from .information import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    "__version__",
    *information.__all__,
    *bound.__all__,
    *amplify.__all__,
    *divergence.__all__,
    *experiment.__all__,
]
