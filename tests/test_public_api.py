"""Pin the public API so that changes show up in review (STYLE.md practice 5)."""

from __future__ import annotations

import ampcore

EXPECTED = {
    "__version__",
    # information
    "Histogram", "histogram", "histogram_entropy", "renyi_entropy", "nn_entropy", "sample_entropy",
    "goldilocks_width", "bin_width", "effective_m",
    # bound
    "information_content", "satisfies_bound", "min_generated_events", "min_gain", "generated_m",
    # amplify
    "Amplified", "gencopy", "gencopy_log", "bootstrap", "smoothed_bootstrap", "refit_normal", "generate",
    "reamplify", "AMPLIFIERS", "gencopy_chunks",
    # divergence
    "kl_divergence", "kl_distance", "resistor_average", "normal_kl", "histogram_kl", "TieWarning",
    "kl_divergence_chunks",
    # experiment
    "Reference", "run_trial", "run_grid", "trial_seed", "training_sample", "BINNING_AMPLIFIERS",
    "connect_dask",
}


def test_public_names_are_pinned():
    assert set(ampcore.__all__) == EXPECTED
    assert len(ampcore.__all__) == len(set(ampcore.__all__))


def test_every_public_name_exists_and_is_documented():
    for name in ampcore.__all__:
        obj = getattr(ampcore, name)
        if callable(obj) and name not in {"AMPLIFIERS"}:
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name


def test_formulas_carry_provenance():
    import inspect

    for module in (ampcore.information, ampcore.bound, ampcore.amplify, ampcore.divergence, ampcore.experiment):
        assert "Provenance" in inspect.getdoc(module) or "provenance" in inspect.getdoc(module), module
