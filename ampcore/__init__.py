"""ampcore: the tested core of *ampbook*, on the information-theoretic limit to data amplification.

Watts & Crow (MLST 2025, arXiv:2412.18041) argue that a generator trained on N events cannot add
information, and give the bound ``2 ln N_G >= 3 ln N``. This package is in layers, and imports
only go downward (core ← generators ← auditing, studies ← book ← cli):

* the **core**, re-exported here — pure functions and frozen dataclasses:

  - :mod:`ampcore.laws` — the :class:`Law` protocol, test laws, reference samples;
  - :mod:`ampcore.information` — histogram entropies, the Goldilocks bin width, measured M;
  - :mod:`ampcore.cells` — d-D histograms on cells at the Goldilocks resolution, their floor;
  - :mod:`ampcore.bound` — the bound and its reconstructed general form;
  - :mod:`ampcore.divergence` — the kNN Kullback–Leibler divergence exactly as R ``FNN``;
  - :mod:`ampcore.floor` — the floor of copy-based amplification, split into noise and bias;
  - :mod:`ampcore.logspace` — the floor of amplification in ``ln x``;
  - :mod:`ampcore.valley` — whether a sample resolves two close peaks;
  - :mod:`ampcore.ampfactor` — GANplifying's amplification factor (quantile MSE → n_equiv);
  - :mod:`ampcore.envelope` — the factor an efficient fitted model reaches on B equiprobable bins;
  - :mod:`ampcore.sampleamp` — sample amplification (Axelrod et al.): m points out of n, and the
    best test against them;

* :mod:`ampcore.generators` — every generator (GenCopy, bootstrap, KDE, refitted Normal,
  Gaussian mixture, d-D cells, a GAN and a normalising flow; JAX only when trained), fitted once
  and sampled at any size, and one registry that makes them by name; re-exported here;
* :mod:`ampcore.auditing` — :func:`audit`, one call that audits a generated sample against its
  training sample (it refits a generator for its ensemble estimate, so it sits above them);
* :mod:`ampcore.studies` — one engine (trials, value-keyed seeds, executors, a resumable store)
  and one module per study of the book;
* :mod:`ampcore.book` — chapter support (parameters, records and glue, figures, the runner),
  and :mod:`ampcore.cli`, the ``ampcore`` command.

Names are imported on first use, so ``import ampcore`` (and the command line's arithmetic) does
not pay for scipy.stats or pandas. ``help(ampcore.<name>)`` shows each numpydoc docstring with
the formula's provenance (Quoted / Reconstructed / Standard).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# public name -> core module that defines it
_EXPORTS: dict[str, str] = {}
for _module, _names in {
    "laws": [
        "Law", "LawND", "law_name", "law_fingerprint", "TwoPeaks", "LogLaw", "Reference", "CamelBack",
        "Shell", "Ring", "GaussianND", "sphere_log_area",
    ],
    "information": [
        "Histogram", "histogram", "histogram_entropy", "renyi_entropy", "nn_entropy", "break_ties",
        "knn_entropy", "sample_entropy", "goldilocks_width", "bin_width", "effective_m",
        "differential_renyi_entropy",
    ],
    "bound": [
        "information_content", "satisfies_bound", "min_generated_events", "min_gain", "generated_m", "bound_table",
    ],
    "cells": [
        "CellHistogram", "as_points", "goldilocks_cell_width", "cell_width", "cell_histogram", "effective_m_cells",
        "product_floor", "binning_bias", "CellFloor", "cell_floor_mc",
    ],
    "divergence": [
        "TieWarning", "kl_divergence", "kl_distance", "resistor_average", "normal_kl",
        "histogram_kl", "kl_divergence_chunks",
    ],
    "floor": ["FloorTerms", "fisher_information", "floor_terms", "kl_by_region", "kld_gain_law"],
    "logspace": ["log_floor"],
    "valley": ["Valley", "valley_depth", "true_valley_depth", "valley_table"],
    "ampfactor": [
        "AmplificationFactor", "quantile_edges", "quantile_mse", "expected_quantile_mse",
        "equivalent_events", "amplification_factor", "resolve_n_q", "GOLDILOCKS",
    ],
    "envelope": ["amplification_envelope", "effective_parameters", "goldilocks_bins", "law_parameters",
                 "CellTruth", "CellScore", "CellEnvelope", "cell_truth", "cell_score", "amplification_envelope_cells"],
    "sampleamp": [
        "VALIDITY_LIMIT", "amplify_gaussian_mean", "GaussianMeanTest", "gaussian_mean_tv",
        "gaussian_mean_success", "valid_extra", "asymptotic_valid_scale",
    ],
    "auditing": ["Audit", "audit"],
}.items():
    for _name in _names:
        _EXPORTS[_name] = _module
del _module, _names, _name
# the generators layer (ampcore.generators), re-exported under the same names
for _name in (
    "Amplified", "Amplifier", "FittedModel", "ConvergenceWarning",
    "HistogramModel", "GenCopy", "GenCopyLog", "BootstrapModel", "Bootstrap",
    "gencopy", "gencopy_chunks", "gencopy_log", "bootstrap",
    "kde_bandwidth", "KDEModel", "KDE", "smoothed_bootstrap",
    "NormalModel", "RefitNormal", "MixtureModel", "GaussianMixture", "refit_normal",
    "CellModel", "GenCopyCells", "KDECellsModel", "KDECells", "RadialModel", "RadialFit",
    "GaussianFitModel", "GaussianFit",
    "GAN", "GANModel", "Flow", "FlowModel",
    "generate", "reamplify",
):
    _EXPORTS[_name] = "generators"
del _name

_MODULES = ("laws", "information", "cells", "bound", "divergence", "floor", "logspace", "valley", "ampfactor",
            "envelope", "generators", "auditing", "studies", "book", "cli", "sampleamp")

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule) the first time it is used (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ampcore' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_MODULES})


if TYPE_CHECKING:  # what the type checker sees; at run time __getattr__ imports lazily
    from .ampfactor import (
        GOLDILOCKS,
        AmplificationFactor,
        amplification_factor,
        equivalent_events,
        expected_quantile_mse,
        quantile_edges,
        quantile_mse,
        resolve_n_q,
    )
    from .generators import (
        KDE,
        Amplified,
        Amplifier,
        Bootstrap,
        BootstrapModel,
        CellModel,
        ConvergenceWarning,
        GAN,
        FittedModel,
        Flow,
        FlowModel,
        GANModel,
        GaussianFit,
        GaussianFitModel,
        GaussianMixture,
        GenCopy,
        GenCopyCells,
        GenCopyLog,
        HistogramModel,
        KDECells,
        KDECellsModel,
        KDEModel,
        MixtureModel,
        NormalModel,
        RadialFit,
        RadialModel,
        RefitNormal,
        bootstrap,
        gencopy,
        gencopy_chunks,
        gencopy_log,
        generate,
        kde_bandwidth,
        reamplify,
        refit_normal,
        smoothed_bootstrap,
    )
    from .cells import (
        CellFloor,
        CellHistogram,
        as_points,
        binning_bias,
        cell_floor_mc,
        cell_histogram,
        cell_width,
        effective_m_cells,
        goldilocks_cell_width,
        product_floor,
    )
    from .bound import bound_table, generated_m, information_content, min_gain, min_generated_events, satisfies_bound
    from .divergence import (
        TieWarning,
        histogram_kl,
        kl_distance,
        kl_divergence,
        kl_divergence_chunks,
        normal_kl,
        resistor_average,
    )
    from .envelope import (
        CellEnvelope,
        CellScore,
        CellTruth,
        amplification_envelope,
        amplification_envelope_cells,
        cell_score,
        cell_truth,
        effective_parameters,
        goldilocks_bins,
        law_parameters,
    )
    from .floor import FloorTerms, fisher_information, floor_terms, kl_by_region, kld_gain_law
    from .information import (
        Histogram,
        bin_width,
        break_ties,
        differential_renyi_entropy,
        effective_m,
        goldilocks_width,
        histogram,
        histogram_entropy,
        knn_entropy,
        nn_entropy,
        renyi_entropy,
        sample_entropy,
    )
    from .auditing import Audit, audit
    from .laws import (
        CamelBack,
        GaussianND,
        Law,
        LawND,
        LogLaw,
        Reference,
        Ring,
        Shell,
        TwoPeaks,
        law_fingerprint,
        law_name,
        sphere_log_area,
    )
    from .logspace import log_floor
    from .sampleamp import (
        VALIDITY_LIMIT,
        GaussianMeanTest,
        amplify_gaussian_mean,
        asymptotic_valid_scale,
        gaussian_mean_success,
        gaussian_mean_tv,
        valid_extra,
    )
    from .valley import Valley, true_valley_depth, valley_depth, valley_table
