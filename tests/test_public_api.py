"""Pin the public API of each layer so that changes show up in review (STYLE.md practice 5).

The core (``ampcore.__all__``, which re-exports the generators and the audit), the generators
(``ampcore.generators.__all__``), the studies (``ampcore.studies.__all__``), the book support
(``ampcore.book.__all__``) and the command (``ampcore.cli.__all__``) are pinned separately.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap

import pytest

import ampcore
import ampcore.book
import ampcore.cli
import ampcore.generators
import ampcore.studies

CORE = {
    "__version__",
    # laws
    "Law", "LawND", "law_name", "law_fingerprint", "TwoPeaks", "LogLaw", "Reference",
    # information
    "Histogram", "histogram", "histogram_entropy", "renyi_entropy", "nn_entropy", "knn_entropy", "break_ties",
    "sample_entropy",
    "goldilocks_width", "bin_width", "effective_m", "differential_renyi_entropy",
    # bound
    "information_content", "satisfies_bound", "min_generated_events", "min_gain", "generated_m", "bound_table",
    # generators (ampcore.generators, re-exported)
    "Amplified", "Amplifier", "FittedModel", "GenCopy", "GenCopyLog", "Bootstrap", "KDE", "RefitNormal",
    "HistogramModel", "BootstrapModel", "KDEModel", "NormalModel", "GaussianMixture", "MixtureModel",
    "ConvergenceWarning", "kde_bandwidth", "gencopy",
    "gencopy_chunks", "gencopy_log", "bootstrap", "smoothed_bootstrap", "refit_normal", "generate",
    "reamplify",
    # divergence
    "TieWarning", "kl_divergence", "kl_distance", "resistor_average", "normal_kl", "histogram_kl",
    "kl_divergence_chunks",
    # floor
    "FloorTerms", "fisher_information", "floor_terms", "kl_by_region", "kld_gain_law",
    # logspace
    "log_floor",
    # valley
    "Valley", "valley_depth", "true_valley_depth", "valley_table",
    # ampfactor
    "AmplificationFactor", "quantile_edges", "quantile_mse", "expected_quantile_mse", "equivalent_events",
    "amplification_factor", "resolve_n_q", "GOLDILOCKS",
    # envelope
    "amplification_envelope", "effective_parameters", "goldilocks_bins", "law_parameters",
    "CellTruth", "CellScore", "CellEnvelope", "cell_truth", "cell_score", "amplification_envelope_cells",
    # sampleamp
    "VALIDITY_LIMIT", "amplify_gaussian_mean", "GaussianMeanTest", "gaussian_mean_tv", "gaussian_mean_success",
    "valid_extra", "asymptotic_valid_scale",
    # laws (chapter 8), gan, audit
    "CamelBack", "GAN", "GANModel", "Audit", "audit",
    # the normalising flow
    "Flow", "FlowModel",
    # d dimensions (chapter 10): laws, cells, amplifiers
    "Shell", "Ring", "GaussianND", "sphere_log_area",
    "CellHistogram", "as_points", "goldilocks_cell_width", "cell_width", "cell_histogram", "effective_m_cells",
    "product_floor", "binning_bias", "CellFloor", "cell_floor_mc",
    "GenCopyCells", "CellModel", "KDECells", "KDECellsModel", "RadialFit", "RadialModel",
    "GaussianFit", "GaussianFitModel",
}

# the generators layer: everything the core re-exports from it, and the registry's own verbs
GENERATOR_NAMES = {
    "Amplified", "Amplifier", "FittedModel", "ConvergenceWarning",
    "HistogramModel", "GenCopy", "GenCopyLog", "BootstrapModel", "Bootstrap", "gencopy", "gencopy_chunks",
    "gencopy_log", "bootstrap",
    "kde_bandwidth", "KDEModel", "KDE", "smoothed_bootstrap",
    "NormalModel", "RefitNormal", "MixtureModel", "GaussianMixture", "refit_normal",
    "CellModel", "GenCopyCells", "KDECellsModel", "KDECells", "RadialModel", "RadialFit",
    "GaussianFitModel", "GaussianFit",
    "GAN", "GANModel", "Flow", "FlowModel",
    "generate", "reamplify", "make", "names", "resolve",
}
# generic verbs, used as ampcore.generators.make / .names and not re-exported by the core
REGISTRY_ONLY = {"make", "names", "resolve"}

STUDIES = {
    # engine
    "DEFAULT_SEED", "EngineOptions", "Trial", "grid", "grids", "run_trials", "trial_threads", "connect_dask",
    "fingerprint",
    "StudyResult", "ResultsStore", "StoreError", "Column", "table_from",
    # envelope (chapter 4)
    "ENVELOPE_GENERATORS", "EnvelopeFit", "EnvelopeHeadline", "EnvelopeStudy", "envelope_study",
    "fitted_parameters", "measure_envelope",
    # gain grid
    "BINNING_AMPLIFIERS", "GainGrid", "run_grid", "measure_gain", "seed_matrix",
    # floors
    "FloorScan", "floor_scan",
    # calibration
    "NORMAL_PAIRS", "FNN_FIXTURES", "Discretisation", "GoldilocksRecovery", "GeneratedM", "EstimatorBias",
    "FixtureAgreement", "TieJitter", "discretisation_check", "goldilocks_recovery", "generated_m_curve",
    "estimator_bias", "fnn_fixture_table", "tie_jitter_scan",
    # re-amplification
    "CHAIN_METHODS", "Reamplification", "Chains", "reamplification_grid", "chain_grid", "generation_chain",
    "expected_variance", "naive_bound_table",
    "INTEGRITY_GENERATORS", "Integrity", "integrity_study", "naive_intervals", "expected_coverage",
    # resolution
    "Resolution", "Estimates", "resolution_study", "estimate_study",
    # neighbours (sample amplification, three notions) and collapse (replace vs accumulate)
    "Distinguishability", "Notions", "distinguishability", "notions_study", "extra_for", "expected_amp_factor",
    "COLLAPSE_METHODS", "COLLAPSE_MODES", "Collapse", "collapse_chain", "collapse_grid", "expected_model_variance",
    "kde_kl",
    # generative models
    "GENERATORS", "Generative", "ReGAN", "GANResolution", "generative_study", "regan_study",
    "gan_resolution_study", "gan_audit_sample",
    "ESTIMATE_GENERATORS", "expected_fraction_sd",
    # more dimensions (chapter 10)
    "CLOUD_GENERATORS", "CLOUD_LAWS", "BoundDims", "CloudDims", "FloorDims", "bound_dims", "cloud_dims", "floor_dims",
}

BOOK = {
    "ChapterSpec", "ParameterError", "ParameterSpec", "chapter_spec", "check_parameters", "parse_value",
    "RECORD_MIME", "glue_names", "read_records", "record",
    "NOTEBOOKS_ENV", "BookNotFound", "Chapter", "execute_chapter", "find_book", "find_chapters",
    "notebooks_dir", "render_html", "rerun_commands", "resolve_chapter", "chapter_fingerprint",
    "executed_records", "EXECUTED_ENV",
    "LabAssignment", "LAB_ASSIGNMENTS", "lab_table",
    "RenderedPage", "render_chapter", "book_config",
    "BookTable", "book_table",
}

CLI = {"main", "build_parser", "PROG"}

LAYERS = {"ampcore": (ampcore, CORE), "ampcore.generators": (ampcore.generators, GENERATOR_NAMES),
          "ampcore.studies": (ampcore.studies, STUDIES),
          "ampcore.book": (ampcore.book, BOOK), "ampcore.cli": (ampcore.cli, CLI)}

# every module of the package, by layer (auditing.py sits above the generators: it refits one)
CORE_MODULES = ["laws", "information", "cells", "bound", "divergence", "floor", "logspace", "valley", "ampfactor",
                "envelope", "sampleamp", "auditing"]
GENERATOR_MODULES = ["base", "histogram", "smooth", "parametric", "cells", "gan", "flow", "registry"]
CLI_MODULES = ["app", "amplify", "audit", "base", "bound", "chapter", "files", "kld"]
STUDY_MODULES = sorted(m.name for m in pkgutil.iter_modules(ampcore.studies.__path__))
BOOK_MODULES = sorted(m.name for m in pkgutil.iter_modules(ampcore.book.__path__))


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_public_names_are_pinned(layer):
    module, expected = LAYERS[layer]
    assert set(module.__all__) == expected, (sorted(set(module.__all__) - expected), sorted(expected - set(module.__all__)))
    assert len(module.__all__) == len(set(module.__all__))


def test_core_modules_are_the_listed_ones():
    found = sorted(m.name for m in pkgutil.iter_modules(ampcore.__path__) if not m.ispkg and not m.name.startswith("_"))
    assert found == sorted(CORE_MODULES)
    packages = sorted(m.name for m in pkgutil.iter_modules(ampcore.__path__) if m.ispkg)
    assert packages == ["book", "cli", "generators", "studies"]
    assert sorted(m.name for m in pkgutil.iter_modules(ampcore.cli.__path__)) == sorted(CLI_MODULES)
    assert sorted(m.name for m in pkgutil.iter_modules(ampcore.generators.__path__)) == sorted(GENERATOR_MODULES)
    assert ampcore.generators.MODULES == tuple(GENERATOR_MODULES)
    assert STUDY_MODULES == ["calibration", "collapse", "dimensions", "engine", "envelope", "floors", "gain", "generative",
                             "neighbours", "reamplification", "resolution", "results", "store"]
    assert BOOK_MODULES == ["claims", "kernels", "parameters", "plotting", "records", "render", "runner", "tables", "teaching"]


def test_the_core_reexports_exactly_its_modules_public_names():
    names = {name for m in CORE_MODULES for name in importlib.import_module(f"ampcore.{m}").__all__}
    generators = set(ampcore.generators.__all__) - REGISTRY_ONLY
    assert names | generators | {"__version__"} == set(ampcore.__all__)
    for m in CORE_MODULES:
        module = importlib.import_module(f"ampcore.{m}")
        for name in module.__all__:
            assert getattr(ampcore, name) is getattr(module, name), name
    for name in generators:
        assert getattr(ampcore, name) is getattr(ampcore.generators, name), name


def test_layers_reexport_their_modules_objects():
    for layer, prefix, modules in ((ampcore.generators, "ampcore.generators", GENERATOR_MODULES),
                                   (ampcore.studies, "ampcore.studies", STUDY_MODULES), (ampcore.book, "ampcore.book", BOOK_MODULES)):
        owners = {name: importlib.import_module(f"{prefix}.{m}") for m in modules
                  for name in importlib.import_module(f"{prefix}.{m}").__all__}
        for name in layer.__all__:
            assert getattr(layer, name) is getattr(owners[name], name), name


def test_every_module_exports_what_it_defines():
    for name in [*(f"ampcore.{m}" for m in CORE_MODULES), "ampcore.cli", *(f"ampcore.cli.{m}" for m in CLI_MODULES),
                 *(f"ampcore.generators.{m}" for m in GENERATOR_MODULES),
                 *(f"ampcore.studies.{m}" for m in STUDY_MODULES), *(f"ampcore.book.{m}" for m in BOOK_MODULES)]:
        module = importlib.import_module(name)
        assert hasattr(module, "__all__"), name
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert missing == [], (name, missing)


def test_lazy_names_and_dir():
    assert set(ampcore.__all__) <= set(dir(ampcore))
    assert {"studies", "book", "cli", "generators"} <= set(dir(ampcore))
    assert set(ampcore.generators.__all__) | set(GENERATOR_MODULES) <= set(dir(ampcore.generators))
    assert ampcore.studies is importlib.import_module("ampcore.studies")
    with pytest.raises(AttributeError, match="module 'ampcore' has no attribute 'run_grid'"):
        ampcore.run_grid  # noqa: B018 - studies are not core names


def _public_members(cls):
    """(name, object) of the public methods and properties a class defines itself."""
    for attr, value in vars(cls).items():
        if attr.startswith("_"):
            continue
        if isinstance(value, property) or inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod)):
            yield attr, getattr(cls, attr)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_public_callable_is_documented(layer):
    module, _ = LAYERS[layer]
    undocumented = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not callable(obj) or isinstance(obj, dict):
            continue
        doc = inspect.getdoc(obj)
        if not doc or len(doc.strip()) < 20:
            undocumented.append(name)
        # methods and properties too (an override inherits its contract's docstring); the
        # members of a Protocol are described by the protocol's own docstring
        if inspect.isclass(obj) and not getattr(obj, "_is_protocol", False):
            undocumented += [f"{name}.{attr}" for attr, member in _public_members(obj) if not inspect.getdoc(member)]
    assert undocumented == []


def test_core_and_studies_modules_state_their_provenance():
    names = [*(f"ampcore.{m}" for m in CORE_MODULES), "ampcore.generators",
             *(f"ampcore.generators.{m}" for m in GENERATOR_MODULES), *(f"ampcore.studies.{m}" for m in STUDY_MODULES)]
    lacking = [n for n in names if "Provenance" not in (inspect.getdoc(importlib.import_module(n)) or "")]
    assert lacking == []


def _modules_after(code: str) -> set[str]:
    heavy = ("scipy.stats", "pandas", "matplotlib", "jax", "papermill", "nbformat")
    script = textwrap.dedent(code) + f"\nprint(' '.join(m for m in {heavy!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_import_ampcore_is_light():
    """The core imports its names lazily: the bound needs numpy only (DESIGN.md section 2)."""
    loaded = _modules_after("""
        import ampcore, sys
        from ampcore import min_generated_events
        assert min_generated_events(100) == 1000.0
        import io, contextlib
        from ampcore.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["bound", "100"]) == 0
    """)
    assert loaded == set()


def test_studies_and_book_do_not_import_plotting_or_notebook_tools():
    loaded = _modules_after("import sys, ampcore.studies, ampcore.book")
    assert not loaded & {"matplotlib", "jax", "papermill", "nbformat"}


STUDY_FUNCTIONS = ["run_grid", "floor_scan", "discretisation_check", "goldilocks_recovery", "generated_m_curve",
                   "estimator_bias", "reamplification_grid", "chain_grid", "resolution_study", "estimate_study",
                   "distinguishability", "notions_study", "collapse_grid",
                   "generative_study", "regan_study", "gan_resolution_study",
                   "integrity_study"]
ENGINE_OPTIONS = {"executor", "workers", "store", "progress"}


def _parameters(obj) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(obj).parameters)


def test_one_name_per_role():
    """``seed`` is a study's root seed, ``replicates`` its count, ``rng`` a sample-level generator."""
    for name in STUDY_FUNCTIONS + ["fnn_fixture_table", "tie_jitter_scan"]:
        params = _parameters(getattr(ampcore.studies, name))
        forwards = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        assert forwards or ENGINE_OPTIONS <= set(params), name
        assert "rng" not in params, name
        if name != "fnn_fixture_table":
            assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY, name
        if name in STUDY_FUNCTIONS:
            assert params["replicates"].kind is inspect.Parameter.KEYWORD_ONLY, name
    banned = {"seeds", "root_seed", "random_state", "n_seeds", "n_replicates"}
    for layer in (ampcore, ampcore.studies):
        for name in layer.__all__:
            obj = getattr(layer, name)
            if inspect.isfunction(obj):
                params = set(_parameters(obj))
                assert not params & banned, (name, params & banned)
                if layer is ampcore:
                    assert "seed" not in params, name  # the core is sample-level: rng
                if "rng" in params:
                    assert _parameters(obj)["rng"].kind is inspect.Parameter.KEYWORD_ONLY, name
