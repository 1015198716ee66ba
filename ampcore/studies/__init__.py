"""The studies of the book, all run by one engine.

:mod:`ampcore.studies.engine` owns, once, what every study needs: the frozen :class:`Trial` (the
values of one unit of work, its store key and its rows' identity), value-keyed seeds, execution
(serial, a process pool, any executor or a Dask cluster), the resumable
:class:`~ampcore.studies.store.ResultsStore` and the progress bar. Each other module is one
study: a measure ``trial -> rows`` and the grid it runs, returning a
:class:`~ampcore.studies.results.StudyResult` with ``.frame``, ``.table()`` and ``.headline()``.

Every study takes the same execution options: ``seed`` (root seed), ``replicates`` (the count;
column ``replicate``), ``executor``, ``workers``, ``store`` and ``progress``.
"""

from __future__ import annotations

from .calibration import (
    FNN_FIXTURES,
    NORMAL_PAIRS,
    Discretisation,
    EstimatorBias,
    FixtureAgreement,
    GeneratedM,
    GoldilocksRecovery,
    TieJitter,
    discretisation_check,
    estimator_bias,
    fnn_fixture_table,
    generated_m_curve,
    goldilocks_recovery,
    tie_jitter_scan,
)
from .collapse import (
    COLLAPSE_METHODS,
    COLLAPSE_MODES,
    Collapse,
    collapse_chain,
    collapse_grid,
    expected_model_variance,
    kde_kl,
)
from .engine import (
    DEFAULT_SEED,
    EngineOptions,
    Trial,
    connect_dask,
    fingerprint,
    grid,
    grids,
    run_trials,
    trial_threads,
)
from .dimensions import (
    CLOUD_GENERATORS,
    CLOUD_LAWS,
    BoundDims,
    CloudDims,
    FloorDims,
    bound_dims,
    cloud_dims,
    floor_dims,
)
from .envelope import (
    ENVELOPE_GENERATORS,
    EnvelopeFit,
    EnvelopeHeadline,
    EnvelopeStudy,
    envelope_study,
    fitted_parameters,
    measure_envelope,
)
from .floors import FloorScan, floor_scan
from .generative import (
    GENERATORS,
    GANResolution,
    Generative,
    ReGAN,
    gan_audit_sample,
    gan_resolution_study,
    generative_study,
    regan_study,
)
from .gain import BINNING_AMPLIFIERS, GainGrid, measure_gain, run_grid, seed_matrix
from .neighbours import (
    Distinguishability,
    Notions,
    distinguishability,
    expected_amp_factor,
    extra_for,
    notions_study,
)
from .reamplification import (
    CHAIN_METHODS,
    INTEGRITY_GENERATORS,
    Chains,
    Integrity,
    Reamplification,
    chain_grid,
    expected_coverage,
    expected_variance,
    generation_chain,
    integrity_study,
    naive_bound_table,
    naive_intervals,
    reamplification_grid,
)
from .resolution import (
    ESTIMATE_GENERATORS,
    Estimates,
    Resolution,
    estimate_study,
    expected_fraction_sd,
    resolution_study,
)
from .results import Column, StudyResult, table_from
from .store import ResultsStore, StoreError

__all__ = [
    # engine
    "DEFAULT_SEED", "EngineOptions", "Trial", "grid", "grids", "run_trials", "trial_threads",
    "connect_dask", "fingerprint", "StudyResult", "ResultsStore", "StoreError", "Column", "table_from",
    # gain grid (chapters 4, 5)
    "BINNING_AMPLIFIERS", "GainGrid", "run_grid", "measure_gain", "seed_matrix",
    # floors (chapter 2)
    "FloorScan", "floor_scan",
    # calibration (chapters 2, 3)
    "NORMAL_PAIRS", "FNN_FIXTURES", "Discretisation", "GoldilocksRecovery", "GeneratedM",
    "EstimatorBias", "FixtureAgreement", "TieJitter", "discretisation_check",
    "goldilocks_recovery", "generated_m_curve", "estimator_bias", "fnn_fixture_table",
    "tie_jitter_scan",
    # re-amplification (chapter 6)
    "CHAIN_METHODS", "Reamplification", "Chains", "reamplification_grid", "chain_grid",
    "generation_chain", "expected_variance", "naive_bound_table",
    "INTEGRITY_GENERATORS", "Integrity", "integrity_study", "naive_intervals", "expected_coverage",
    # resolution and significance (chapter 7)
    "Resolution", "Estimates", "resolution_study", "estimate_study",
    # neighbouring results (chapter 9): sample amplification, three notions, model collapse
    "Distinguishability", "Notions", "distinguishability", "notions_study", "extra_for",
    "expected_amp_factor",
    "COLLAPSE_METHODS", "COLLAPSE_MODES", "Collapse", "collapse_chain", "collapse_grid",
    "expected_model_variance", "kde_kl",
    # the envelope: the bound as a measured limit (chapter 4)
    "ENVELOPE_GENERATORS", "EnvelopeFit", "EnvelopeHeadline", "EnvelopeStudy", "envelope_study",
    "fitted_parameters", "measure_envelope",
    # generative models (chapter 8)
    "GENERATORS", "Generative", "ReGAN", "GANResolution", "generative_study", "regan_study",
    "gan_resolution_study", "gan_audit_sample",
    "ESTIMATE_GENERATORS", "expected_fraction_sd",
    # more dimensions (chapter 10)
    "CLOUD_GENERATORS", "CLOUD_LAWS", "BoundDims", "CloudDims", "FloorDims", "bound_dims", "cloud_dims", "floor_dims",
]
