"""Every generator of ampcore, fitted once on N training events and sampled at any size.

A *generator* is the role: something that learns from a training sample and then draws new
events. In code it is an :class:`Amplifier` (the options; ``fit(x)``) that returns a
:class:`FittedModel` (``sample(size, rng=)``, ``amplify(gain, rng=)`` → :class:`Amplified`).
One registry makes any of them by name (:func:`ampcore.generators.registry.make`,
:func:`~ampcore.generators.registry.names`); :func:`generate` and :func:`reamplify` take a name.

* :mod:`~ampcore.generators.base` — the interface (:class:`Amplifier`, :class:`FittedModel`,
  :class:`Amplified`, :class:`ConvergenceWarning`);
* :mod:`~ampcore.generators.histogram` — GenCopy in x and ln x, the bootstrap;
* :mod:`~ampcore.generators.smooth` — the Gaussian KDE (smoothed bootstrap);
* :mod:`~ampcore.generators.parametric` — a refitted Normal, a Gaussian mixture by EM;
* :mod:`~ampcore.generators.cells` — d-D clouds: GenCopy on cells, a d-D KDE, a radial fit, a
  d-D Normal fit;
* :mod:`~ampcore.generators.gan` and :mod:`~ampcore.generators.flow` — a GAN and a normalising
  flow (JAX; imported only when one is used);
* :mod:`~ampcore.generators.registry` — generators by name.

This layer imports the core only (laws, information, cells, validation); the studies, the audit
and the book import it. Names are imported on first use, so ``import ampcore.generators`` does
not load scikit-learn or JAX.

Provenance: see each module (GenCopy Quoted in its steps and Reconstructed in its details; the
bootstrap, KDE, Normal and mixture fits, GAN and flow Standard, their defaults Reconstructed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {}
for _module, _names in {
    "base": ["Amplified", "Amplifier", "FittedModel", "ConvergenceWarning"],
    "histogram": ["HistogramModel", "GenCopy", "GenCopyLog", "BootstrapModel", "Bootstrap",
                  "gencopy", "gencopy_chunks", "gencopy_log", "bootstrap"],
    "smooth": ["kde_bandwidth", "KDEModel", "KDE", "smoothed_bootstrap"],
    "parametric": ["NormalModel", "RefitNormal", "MixtureModel", "GaussianMixture", "refit_normal"],
    "cells": ["CellModel", "GenCopyCells", "KDECellsModel", "KDECells", "RadialModel", "RadialFit",
              "GaussianFitModel", "GaussianFit"],
    "gan": ["GAN", "GANModel"],
    "flow": ["Flow", "FlowModel"],
    "registry": ["make", "names", "resolve", "generate", "reamplify"],
}.items():
    for _name in _names:
        _EXPORTS[_name] = _module
del _module, _names, _name

MODULES = ("base", "histogram", "smooth", "parametric", "cells", "gan", "flow", "registry")
"""The modules of this layer, one concept each."""

__all__ = [*_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import a public name (or a module of this package) the first time it is used (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    if name in MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ampcore.generators' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *MODULES})


# what the type checker sees (``X as X`` re-exports explicitly); at run time __getattr__ imports lazily
if TYPE_CHECKING:
    from .base import (
        Amplified as Amplified,
        Amplifier as Amplifier,
        ConvergenceWarning as ConvergenceWarning,
        FittedModel as FittedModel,
    )
    from .cells import (
        CellModel as CellModel,
        GaussianFit as GaussianFit,
        GaussianFitModel as GaussianFitModel,
        GenCopyCells as GenCopyCells,
        KDECells as KDECells,
        KDECellsModel as KDECellsModel,
        RadialFit as RadialFit,
        RadialModel as RadialModel,
    )
    from .flow import (
        Flow as Flow,
        FlowModel as FlowModel,
    )
    from .gan import (
        GAN as GAN,
        GANModel as GANModel,
    )
    from .histogram import (
        Bootstrap as Bootstrap,
        bootstrap as bootstrap,
        BootstrapModel as BootstrapModel,
        GenCopy as GenCopy,
        gencopy as gencopy,
        gencopy_chunks as gencopy_chunks,
        gencopy_log as gencopy_log,
        GenCopyLog as GenCopyLog,
        HistogramModel as HistogramModel,
    )
    from .parametric import (
        GaussianMixture as GaussianMixture,
        MixtureModel as MixtureModel,
        NormalModel as NormalModel,
        refit_normal as refit_normal,
        RefitNormal as RefitNormal,
    )
    from .registry import (
        generate as generate,
        make as make,
        names as names,
        reamplify as reamplify,
        resolve as resolve,
    )
    from .smooth import (
        KDE as KDE,
        kde_bandwidth as kde_bandwidth,
        KDEModel as KDEModel,
        smoothed_bootstrap as smoothed_bootstrap,
    )
