"""Checks of the measuring instruments: histogram entropy, the Goldilocks rule and the kNN KL estimator.

Use this module to see, on fresh random samples, that the tools the book relies on do what their
formulas say: the histogram entropy at width Δ tracks ``h − ln Δ`` (:func:`discretisation_check`,
Shannon and Rényi); the Goldilocks width ``Δ = e^h N^(-1/M)`` gives back the chosen M
(:func:`goldilocks_recovery`); a larger sample binned at the training width has a larger measured M
(:func:`generated_m_curve`); the kNN estimator approaches analytic KL divergences with noise
∝ 1/√n (:func:`estimator_bias`); it reproduces R FNN on stored fixtures
(:func:`fnn_fixture_table`); and copies with a tiny jitter give a divergence that measures the
jitter (:func:`tie_jitter_scan`).

Every function returns a tidy :class:`pandas.DataFrame` (one row per measurement). Entropies and
divergences are in nats.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import integrate

from ._rng import RNGLike, normalize_rng
from ._validation import as_sample_1d, check_int, check_law, check_positive
from .amplify import gencopy
from .divergence import kl_distance, kl_divergence, normal_kl
from .information import bin_width, effective_m, histogram, renyi_entropy

__all__ = [
    "NORMAL_PAIRS",
    "differential_renyi_entropy",
    "discretisation_check",
    "goldilocks_recovery",
    "generated_m_curve",
    "estimator_bias",
    "fnn_fixture_table",
    "tie_jitter_scan",
]

NORMAL_PAIRS: dict[str, tuple[float, float, float, float]] = {
    "N(0,1) vs N(0,1)": (0.0, 1.0, 0.0, 1.0),
    "N(0,1) vs N(1,1)": (0.0, 1.0, 1.0, 1.0),
    "N(0,1) vs N(0,2²)": (0.0, 1.0, 0.0, 2.0),
}
"""Default Normal pairs ``name → (mean_p, sd_p, mean_q, sd_q)`` for :func:`estimator_bias`."""


def _positive_list(values: Any, name: str, *, integer: bool = False) -> list[Any]:
    arr = np.atleast_1d(np.asarray(values))
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"`{name}` must be a non-empty 1-D list of numbers > 0; got {values!r}.")
    if integer:
        return [check_int(v.item(), f"{name}[{i}]", minimum=2) for i, v in enumerate(arr)]
    return [check_positive(float(v), f"{name}[{i}]") for i, v in enumerate(arr)]


def differential_renyi_entropy(law: Any, alpha: float) -> float:
    """Differential Rényi entropy of order `alpha` of a continuous law, in nats.

    Parameters
    ----------
    law : frozen scipy.stats continuous distribution
    alpha : float
        Order ``alpha > 0``; ``alpha == 1`` gives the Shannon entropy ``law.entropy()``.

    Returns
    -------
    float
        ``h_α = ln(∫ p^α dx) / (1 − α)``.

    Raises
    ------
    TypeError
        If `law` is not a frozen scipy.stats distribution or `alpha` is not a real number.
    ValueError
        If `alpha` is not finite and > 0.

    Notes
    -----
    The integral is computed with :func:`scipy.integrate.quad` over the whole support, split at
    the median. For N(μ, σ²), ``h_α = ln(σ√(2π)) + ln α / (2(α − 1))``.

    Provenance: Standard (Rényi 1961; the differential form follows by replacing the sum with an
    integral).

    Examples
    --------
    >>> from scipy import stats
    >>> round(differential_renyi_entropy(stats.norm(), 2.0), 6) == round(0.5 * math.log(4 * math.pi), 6)
    True
    """
    check_law(law)
    alpha = check_positive(alpha, "alpha")
    if alpha == 1.0:
        return float(law.entropy())
    lo, hi = (float(v) for v in law.support())
    mid = float(law.median())
    value = sum(
        integrate.quad(lambda t: float(law.pdf(t)) ** alpha, a, b, limit=400, epsrel=1e-11)[0]
        for a, b in ((lo, mid), (mid, hi))
    )
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"∫ p^alpha is not finite and > 0 for `alpha` = {alpha!r}; got {value!r}.")
    return math.log(value) / (1.0 - alpha)


def discretisation_check(
    law: Any,
    widths: ArrayLike,
    *,
    n: int,
    alphas: Sequence[float] = (1.0,),
    seeds: int = 5,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """Histogram (Rényi) entropy at width Δ against the prediction ``h_α − ln Δ``.

    Parameters
    ----------
    law : frozen scipy.stats continuous distribution
    widths : array_like of float
        Bin widths Δ > 0.
    n : int
        Sample size per seed, ``n >= 2``.
    alphas : sequence of float, optional
        Rényi orders (> 0); 1 is Shannon.
    seeds : int, optional
        Number of independent samples, ``>= 1``.
    rng : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        Columns ``seed, alpha, width, measured, predicted`` (nats): the plug-in Rényi entropy of
        the histogram (origin ``min(x)``) and ``h_α − ln Δ``.

    Notes
    -----
    ``H_α,Δ ≈ h_α − ln Δ`` for smooth p and small Δ holds for every order α because
    ``P_j ≈ p(x_j) Δ``, so ``Σ P_j^α ≈ Δ^(α−1) ∫ p^α``. The plug-in estimate falls below it when the
    bins hold few events (finite-n bias), and the approximation fails when Δ is not small.

    Provenance: Standard (Cover & Thomas 2006, Thm 8.3.1 for α = 1; the Rényi case by the same
    argument). Its use for the Rényi form of the bound is Reconstructed (ours).

    Examples
    --------
    >>> from scipy import stats
    >>> t = discretisation_check(stats.norm(), [0.1], n=100_000, seeds=1, rng=0)
    >>> bool(abs(t["measured"][0] - t["predicted"][0]) < 0.01)
    True
    """
    check_law(law)
    ws = _positive_list(widths, "widths")
    n = check_int(n, "n", minimum=2)
    seeds = check_int(seeds, "seeds", minimum=1)
    orders = _positive_list(list(alphas), "alphas")
    gen = normalize_rng(rng)
    h_alpha = {a: differential_renyi_entropy(law, a) for a in orders}
    rows = []
    for seed in range(seeds):
        x = np.asarray(law.rvs(size=n, random_state=gen), dtype=np.float64)
        for w in ws:
            counts = histogram(x, w).counts
            for a in orders:
                rows.append(
                    {
                        "seed": seed,
                        "alpha": a,
                        "width": w,
                        "measured": renyi_entropy(counts, a),
                        "predicted": h_alpha[a] - math.log(w),
                    }
                )
    return pd.DataFrame(rows)


def goldilocks_recovery(
    laws: Mapping[str, Any],
    n_values: Sequence[int],
    m_values: Sequence[float],
    *,
    seeds: int = 5,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """Measured ``M = ln N / Ĥ`` of training samples binned at the Goldilocks width for a chosen M.

    Parameters
    ----------
    laws : mapping name → frozen scipy.stats law
    n_values : sequence of int
        Training sizes N >= 2.
    m_values : sequence of float
        Chosen Goldilocks statistics M > 0.
    seeds : int, optional
        Independent samples per (law, N), ``>= 1``; each serves every M.
    rng : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        Columns ``law, n, seed, m, width, m_measured``. Δ uses the nearest-neighbour entropy of the
        sample (:func:`ampcore.information.bin_width`), bins start at ``min(x)``.

    Notes
    -----
    Provenance: the width rule and the measured M are from Watts & Crow 2022 (arXiv:2210.02848);
    this check is ours.

    Examples
    --------
    >>> from scipy import stats
    >>> t = goldilocks_recovery({"normal": stats.norm()}, [2000], [2.0], seeds=1, rng=0)
    >>> round(float(t["m_measured"][0]), 1)
    2.0
    """
    if not isinstance(laws, Mapping) or not laws:
        raise TypeError(f"`laws` must be a non-empty mapping name -> scipy.stats law; got {laws!r}.")
    for law in laws.values():
        check_law(law)
    ns = _positive_list(n_values, "n_values", integer=True)
    ms = _positive_list(m_values, "m_values")
    seeds = check_int(seeds, "seeds", minimum=1)
    gen = normalize_rng(rng)
    rows = []
    for name, law in laws.items():
        for n in ns:
            for seed in range(seeds):
                x = np.asarray(law.rvs(size=n, random_state=gen), dtype=np.float64)
                for m in ms:
                    width = bin_width(x, m, method="nn")
                    rows.append(
                        {"law": name, "n": n, "seed": seed, "m": m, "width": width,
                         "m_measured": effective_m(x, width)}
                    )
    return pd.DataFrame(rows)


def generated_m_curve(
    law: Any,
    n: int,
    gains: Sequence[int],
    *,
    m: float = 2.0,
    seeds: int = 5,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """Measured M of a sample of ``N_G = G·N`` events binned at the training width and origin.

    Parameters
    ----------
    law : frozen scipy.stats continuous distribution
    n : int
        Training events N >= 2.
    gains : sequence of int
        Gains G >= 1; ``N_G = G·N``.
    m : float, optional
        Goldilocks statistic of the training histogram (Δ from the sample's NN entropy).
    seeds : int, optional
        Independent training samples, ``>= 1``.
    rng : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        Columns ``seed, gain, n_generated, source, m_measured, m_predicted`` where `source` is
        ``"iid"`` (fresh draws from the law) or ``"gencopy"`` (GenCopy output of the training
        sample), and ``m_predicted = M_train · ln N_G / ln N`` with ``M_train`` the measured M of
        the training sample.

    Notes
    -----
    GenCopy (jitter variant) keeps each bin's count times G, so its entropy at Δ equals the
    training entropy and ``M_G = M_train ln N_G / ln N`` holds exactly. Fresh draws carry the
    law's own entropy at Δ, slightly above the training plug-in value.

    Provenance: Reconstructed (ours; ``DESIGN.md`` §4): the step from the Goldilocks M to the bound.

    Examples
    --------
    >>> from scipy import stats
    >>> t = generated_m_curve(stats.norm(), 400, [20], seeds=1, rng=0)
    >>> g = t[t["source"] == "gencopy"].iloc[0]
    >>> bool(abs(g["m_measured"] - g["m_predicted"]) < 1e-9)
    True
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    gs = [check_int(int(g), f"gains[{i}]", minimum=1) for i, g in enumerate(np.atleast_1d(gains))]
    if not gs:
        raise ValueError("`gains` must be a non-empty list of integers >= 1; got [].")
    m = check_positive(m, "m")
    seeds = check_int(seeds, "seeds", minimum=1)
    gen = normalize_rng(rng)
    rows = []
    for seed in range(seeds):
        x = np.asarray(law.rvs(size=n, random_state=gen), dtype=np.float64)
        width = bin_width(x, m, method="nn")
        origin = float(x.min())
        m_train = effective_m(x, width, origin=origin)
        for g in gs:
            size = g * n
            fresh = np.asarray(law.rvs(size=size, random_state=gen), dtype=np.float64)
            copies = gencopy(x, g, width=width, origin=origin, rng=gen).sample
            predicted = m_train * math.log(size) / math.log(n)
            for source, sample in (("iid", fresh), ("gencopy", copies)):
                rows.append(
                    {"seed": seed, "gain": g, "n_generated": size, "source": source,
                     "m_measured": effective_m(sample, width, origin=origin),
                     "m_predicted": predicted}
                )
    return pd.DataFrame(rows)


def estimator_bias(
    n_values: Sequence[int],
    *,
    pairs: Mapping[str, tuple[float, float, float, float]] | None = None,
    k: int = 5,
    seeds: int = 5,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """kNN estimate ``D_k`` of KL(P‖Q) for Normal pairs against the analytic value, over n and seeds.

    Parameters
    ----------
    n_values : sequence of int
        Sample sizes n = m (both samples), each ``> k``.
    pairs : mapping name → (mean_p, sd_p, mean_q, sd_q), optional
        Normal pairs; default :data:`NORMAL_PAIRS`.
    k : int, optional
        Neighbour order reported (FNN's element k), ``>= 1``.
    seeds : int, optional
        Independent sample pairs per (pair, n), ``>= 1``.
    rng : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        Columns ``pair, n, seed, estimate, truth, error`` (nats; ``error = estimate − truth``).

    Notes
    -----
    Provenance: Standard (the estimator: FNN / Wang, Kulkarni & Verdú 2009; the truth:
    :func:`ampcore.divergence.normal_kl`).

    Examples
    --------
    >>> t = estimator_bias([20_000], k=5, seeds=1, rng=0)
    >>> bool((t["error"].abs() < 0.05).all())
    True
    """
    ns = _positive_list(n_values, "n_values", integer=True)
    k = check_int(k, "k", minimum=1)
    seeds = check_int(seeds, "seeds", minimum=1)
    if min(ns) <= k:
        raise ValueError(f"`n_values` must all be > k = {k}; got {ns}.")
    cases = dict(NORMAL_PAIRS if pairs is None else pairs)
    if not cases:
        raise ValueError("`pairs` must name at least one Normal pair; got {}.")
    gen = normalize_rng(rng)
    rows = []
    for name, (mp, sp, mq, sq) in cases.items():
        truth = float(normal_kl(mp, sp, mq, sq))
        for n in ns:
            for seed in range(seeds):
                x = gen.normal(mp, sp, size=n)
                y = gen.normal(mq, sq, size=n)
                est = float(kl_divergence(x, y, k=k)[k - 1])
                rows.append({"pair": name, "n": n, "seed": seed, "estimate": est, "truth": truth,
                             "error": est - truth})
    return pd.DataFrame(rows)


def _max_abs_diff(got: np.ndarray, want: np.ndarray) -> tuple[float, bool]:
    same_pattern = bool(
        np.array_equal(np.isnan(got), np.isnan(want))
        and np.array_equal(np.where(np.isinf(got), got, 0.0), np.where(np.isinf(want), want, 0.0))
    )
    finite = np.isfinite(want) & np.isfinite(got)
    diff = float(np.max(np.abs(got[finite] - want[finite]))) if finite.any() else 0.0
    return diff, same_pattern


def fnn_fixture_table(directory: str | Path) -> pd.DataFrame:
    """Agreement of :func:`kl_divergence` and :func:`kl_distance` with stored R FNN outputs.

    Parameters
    ----------
    directory : path
        A folder holding ``cases.json`` and the ``.npy`` inputs (``tests/data/fnn``: R 4.2.2,
        FNN 1.1.3.1, ``KL.divergence`` / ``KL.dist`` with k = 10, ``algorithm="kd_tree"``).

    Returns
    -------
    pandas.DataFrame
        One row per case: ``case, n, m, d, nonfinite, max_diff_divergence, max_diff_distance,
        same_nonfinite``. ``nonfinite`` counts R's ±Inf/NaN entries of ``KL.divergence``; the
        differences are over the finite entries (nats); ``same_nonfinite`` says whether the
        positions and signs of Inf/-Inf/NaN match in both functions.

    Raises
    ------
    FileNotFoundError
        If `directory` has no ``cases.json``.

    Notes
    -----
    Ties are computed with ``ties="ignore"``: the fixtures plant ties on purpose.
    Provenance: Standard (FNN, Beygelzimer et al.).

    Examples
    --------
    >>> from pathlib import Path
    >>> folder = Path(__file__).resolve().parent.parent / "tests" / "data" / "fnn"
    >>> table = fnn_fixture_table(folder) if folder.is_dir() else None
    >>> table is None or bool(table["same_nonfinite"].all())
    True
    """
    folder = Path(directory)
    manifest = folder / "cases.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"`directory` must contain cases.json; none in {str(folder)!r}.")
    rows = []
    for case in json.loads(manifest.read_text(encoding="utf-8")):
        x = np.load(folder / case["x_file"])
        y = np.load(folder / case["y_file"])
        k = int(case["k"])
        want_div = np.array([float(s) for s in case["kl_divergence"]])
        want_dist = np.array([float(s) for s in case["kl_dist"]])
        got_div = kl_divergence(x, y, k, ties="ignore")
        got_dist = kl_distance(x, y, k, ties="ignore")
        d_div, ok_div = _max_abs_diff(got_div, want_div)
        d_dist, ok_dist = _max_abs_diff(got_dist, want_dist)
        rows.append(
            {"case": case["name"], "n": int(case["n"]), "m": int(case["m"]), "d": int(case["p"]),
             "nonfinite": int(np.sum(~np.isfinite(want_div))),
             "max_diff_divergence": d_div, "max_diff_distance": d_dist,
             "same_nonfinite": ok_div and ok_dist}
        )
    return pd.DataFrame(rows)


def tie_jitter_scan(
    x: ArrayLike,
    reference: ArrayLike,
    scales: Sequence[float],
    *,
    gain: int,
    k: int = 5,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """kNN divergence of G exact copies of `x`, each value moved by ``Uniform(−s/2, s/2)``, from `reference`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Training sample.
    reference : array_like, shape (m,)
        Reference sample of the true law (sorted or not).
    scales : sequence of float
        Jitter widths s >= 0; ``s = 0`` gives exact copies.
    gain : int
        Number of copies G >= 1 (G >= 2 creates ties at s = 0).
    k : int, optional
        Neighbour order reported.
    rng : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        Columns ``scale, estimate, zero_within`` where ``estimate = D_k(copies‖reference)`` in nats
        (``inf`` for exact copies with G > k) and ``zero_within`` is the number of exactly tied
        values in the jittered copies.

    Notes
    -----
    For ``0 < s`` far below the typical spacing ``1/(n p)``, the within-sample k-th neighbour of a
    copy is another copy at distance ≈ s, so ``D ≈ ln(spacing / s) + const``: the estimate
    measures the jitter, not the law (``research/kld.md`` §5). Provenance: Standard estimator;
    the experiment is ours.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = tie_jitter_scan(rng.normal(size=500), rng.normal(size=5000), [0.0, 1e-6], gain=10, rng=1)
    >>> t["estimate"].tolist()[0], bool(t["estimate"].tolist()[1] > 5)
    (inf, True)
    """
    xs = as_sample_1d(x, "x", min_size=2)
    ref = as_sample_1d(reference, "reference", min_size=2)
    gain = check_int(gain, "gain", minimum=1)
    k = check_int(k, "k", minimum=1)
    ss = [float(s) for s in np.atleast_1d(np.asarray(scales, dtype=np.float64))]
    if not ss or any(not math.isfinite(s) or s < 0 for s in ss):
        raise ValueError(f"`scales` must be a non-empty list of finite numbers >= 0; got {scales!r}.")
    gen = normalize_rng(rng)
    copies = np.tile(xs, gain)
    rows = []
    for s in ss:
        sample = copies + gen.uniform(-s / 2, s / 2, size=copies.size) if s > 0 else copies
        tied = int(sample.size - np.unique(sample).size)
        est = float(kl_divergence(sample, ref, k=k, ties="ignore")[k - 1])
        rows.append({"scale": s, "estimate": est, "zero_within": tied})
    return pd.DataFrame(rows)
