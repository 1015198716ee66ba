"""The bound's exponent: the gain G*(N) at which amplification stops paying, by four criteria.

The bound ``2 ln N_G >= 3 ln N`` says that amplification pays up to ``G = N_G/N ≈ √N``, so a
measured "stopping gain" G*(N) should grow like ``N^(1/2)`` if it is the bound's. Use
:func:`exponent_study` to measure G*(N) over a range of N (the engine runs one trial per
(N, part, M or generator, replicate); each trial fits its generator once and samples every gain
from its own streams) and :class:`ExponentStudy` to read, for each criterion, G*(N), the slope of
``ln G*`` against ``ln N`` with a bootstrap confidence interval, and what the theory predicts.

The criteria, each on the mean over replicates of a curve against G (threshold τ = 10 %):

(a) ``"kld"`` — GenCopy's kNN divergence ``D(G)`` comes within τ of its exact floor F (the mean
    of ``KL(q_Δ‖p)``). Fitted as ``D(G) = F − b/G`` (the gain law,
    :func:`ampcore.floor.kld_gain_law`), so ``G* = b/(τ F)``; the law predicts
    ``b = (B_occ − 1)/(2N)``.
(b) ``"binned"`` — the squared error ``e(G) = Σ_j (f_j − P_j)²`` of the bin probabilities
    estimated from a sample of the multinomial GenCopy (each event draws a training bin with
    probability ``n_j/N``) at the training Δ comes within τ of its asymptote
    ``e_∞ = Σ_j (n_j/N − P_j)²``. Fitted as ``e(G) = e_∞ + c/G``, ``G* = c/(τ e_∞)``; the
    multinomial variance predicts ``c = (1 − Σ_j (n_j/N)²)/N``.
(c) ``"m_generated"`` — the measured M of the GenCopy sample at the training Δ reaches 3.
    Fitted as ``M(G) = α + β ln G``, ``G* = exp((3 − α)/β)``. This holds *by construction*:
    every copy has the training histogram, so ``M(G) = M_train ln(GN)/ln N`` exactly and
    ``G* = N^(3/M_train − 1)``; it is the bound's own definition, not a measurement of it.
(d) ``"ampfactor"`` — the quantile-MSE amplification factor ``G_eff(G)`` of each generator
    (:mod:`ampcore.ampfactor`; generators by name from :data:`ampcore.amplify.AMPLIFIERS`)
    comes within τ of its asymptote. With ``q(G) = A + B/G`` fitted to the quantile MSE,
    ``G_eff = (1 − 1/N_q)/(N_q N q)`` and ``G* = (1 − τ) B/(τ A)``; the multinomial variance
    predicts ``B ≈ (1 − 1/N_q)/(N_q N)``, i.e. ``G* ≈ 9 G_eff(∞)``.

Fits (a), (b), (d) are weighted least squares in 1/G with weights G (the generated sample's own
noise has variance ∝ 1/(G N)); (c) is ordinary least squares in ln G. G* is the smallest gain
>= 1 at which the fitted criterion holds (1 if it holds from the start; ``inf`` if the fitted
asymptote of (d) is <= 0, i.e. no saturation is seen). The slope is ordinary least squares of
``ln G*`` on ``ln N``; its interval is the percentile interval of the same slope over bootstrap
resamples of the replicates (drawn anew at each N, since the N's have independent training
samples).

Provenance: the experiment and the criteria (a), (b), (d) are Reconstructed (ours); (c) is the
Reconstructed derivation of the bound (chapter 2); the multinomial variances behind the
predictions of (b) and (d) and the bootstrap percentile interval (Efron & Tibshirani 1993, §13)
are Standard; the gain law behind (a) is Reconstructed (:func:`ampcore.floor.kld_gain_law`).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_choice, check_int, check_positive
from ..ampfactor import quantile_edges, quantile_mse
from ..amplify import AMPLIFIERS, GenCopy
from ..divergence import histogram_kl, kl_divergence
from ..floor import fisher_information, floor_terms
from ..information import bin_width, effective_m
from ..laws import Reference
from .engine import DEFAULT_SEED, Trial, run_trials, trial_threads
from .gain import BINNING_AMPLIFIERS
from .results import StudyResult, check_list

__all__ = ["CRITERIA", "DEFAULT_GENERATORS", "ExponentStudy", "exponent_study", "measure_exponent"]

CRITERIA: dict[str, str] = {
    "kld": "(a) KLD within τ of its floor",
    "binned": "(b) binned error of multinomial GenCopy within τ of its asymptote",
    "m_generated": "(c) measured M of GenCopy at the training Δ reaches 3",
    "ampfactor": "(d) amplification factor within τ of its asymptote",
}
"""The criteria of G*, by key (the ``criterion`` column of the tables)."""

DEFAULT_GENERATORS: tuple[str, ...] = ("gencopy", "smoothed_bootstrap", "gaussian_mixture")
"""Generators of criterion (d): keys of :data:`ampcore.amplify.AMPLIFIERS` (GenCopy multinomial)."""

# options of criterion (d)'s generators unless the caller gives others: GenCopy draws its bins
# at random (the multinomial variant), so its output is an iid sample of its histogram
_DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {"gencopy": {"variant": "multinomial"}}
_TAIL = 1e-12  # probability left out beyond the bin grid of criterion (b)
# names of the generators in tables and legends (others appear under their AMPLIFIERS key)
_DISPLAY = {"gencopy": "GenCopy", "smoothed_bootstrap": "KDE", "gaussian_mixture": "Gaussian mixture",
            "refit_normal": "refitted Normal", "gencopy-log": "GenCopy in ln x"}


def _bin_probabilities(law: Any, width: float, origin: float, lowest: float, highest: float) -> tuple[int, np.ndarray]:
    """First bin index and true probabilities of every bin of width `width` that holds mass."""
    lo = min(float(law.ppf(_TAIL)), lowest)
    hi = max(float(law.ppf(1.0 - _TAIL)), highest)
    first = math.floor((lo - origin) / width)
    last = math.floor((hi - origin) / width)
    edges = origin + np.arange(first, last + 2, dtype=np.float64) * width
    return first, np.diff(np.asarray(law.cdf(edges), dtype=np.float64))


def _squared_error(sample: np.ndarray, width: float, origin: float, first: int, probabilities: np.ndarray) -> float:
    """``Σ_j (f_j − P_j)²`` with f_j the fraction of `sample` in bin j (bins of the grid)."""
    index = np.floor((sample - origin) / width).astype(np.int64) - first
    counts = np.bincount(index, minlength=probabilities.size)
    return float(np.sum((counts / sample.size - probabilities) ** 2))


def measure_exponent(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One trial of the exponent study: every gain of one (N, part, M or generator, replicate).

    Streams: 0 the training sample (shared by every part of the same (N, replicate)); for the
    GenCopy part ``("jitter", G)`` and ``("multinomial", G)``, for a generator ``("generator",
    G)``.
    """
    reference: Reference = context["references"][trial.law]
    law = reference.law
    n = trial.n
    train = trial.training_sample(law)
    rows: list[dict[str, Any]] = []
    if trial["part"] == "gencopy":
        m = float(trial["m"])
        width = bin_width(train, m, method=trial["entropy_method"])
        origin = float(train.min())
        jitter = GenCopy(width=width, origin=origin).fit(train)
        multinomial = GenCopy(width=width, origin=origin, variant="multinomial").fit(train)
        floor = float(histogram_kl(train, width, origin=origin, law=law))
        terms = floor_terms(train, width, fisher=context["fisher"][trial.law], origin=origin)
        first, probabilities = _bin_probabilities(law, width, origin, float(train.min()), float(train.max()))
        shares = np.bincount(np.floor((train - origin) / width).astype(np.int64) - first, minlength=probabilities.size) / n
        asymptote = float(np.sum((shares - probabilities) ** 2))
        spread = float((1.0 - np.sum(shares**2)) / n)
        k = trial["k"]
        for gain in trial["gains"]:
            generated = jitter.sample(gain * n, rng=trial.rng("jitter", gain))
            drawn = multinomial.sample(gain * n, rng=trial.rng("multinomial", gain))
            rows.append({
                "gain": int(gain), "generator": "gencopy",
                "kld_nats": float(kl_divergence(generated, reference.sample, k=k, ties="ignore", workers=trial_threads())[k - 1]),
                "floor_nats": floor, "noise_nats": terms.noise, "bias_nats": terms.bias,
                "m_train": float(jitter.m_eff), "m_generated": effective_m(generated, width, origin=origin),
                "binned_error": _squared_error(drawn, width, origin, first, probabilities),
                "binned_asymptote": asymptote, "binned_spread": spread,
            })
        return rows
    name = trial["generator"]
    options = dict(trial["options"])
    if name in BINNING_AMPLIFIERS:
        options["m"] = float(trial["m"])
    model = AMPLIFIERS[name](**options).fit(train)
    edges = quantile_edges(trial["n_q"], law=law)
    train_score = quantile_mse(train, edges)
    for gain in trial["gains"]:
        sample = model.sample(gain * n, rng=trial.rng("generator", gain))
        rows.append({"gain": int(gain), "qmse": quantile_mse(sample, edges), "qmse_train": train_score})
    return rows


# --------------------------------------------------------------------------------------------------
# fits of the curves against G: vectorised over bootstrap resamples (columns)


def _approach_fixed(gains: np.ndarray, values: np.ndarray, asymptote: np.ndarray) -> np.ndarray:
    """b of ``values = asymptote − b/G`` (weights G): ``Σ_G (asymptote − y_G) / Σ_G 1/G``."""
    return np.asarray((asymptote[None, :] - values).sum(axis=0) / np.sum(1.0 / gains))


def _approach_free(gains: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) of ``values = A + B/G`` by weighted least squares with weights G."""
    w = gains[:, None]
    u = 1.0 / gains[:, None]
    sw, su, suu = w.sum(), (w * u).sum(), (w * u * u).sum()
    sy, suy = (w * values).sum(axis=0), (w * u * values).sum(axis=0)
    det = sw * suu - su * su
    return (suu * sy - su * suy) / det, (sw * suy - su * sy) / det


def _gain_star(coefficient: np.ndarray, asymptote: np.ndarray, factor: float) -> np.ndarray:
    """Smallest G >= 1 with ``coefficient/G <= factor·asymptote`` (inf if the asymptote is <= 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(asymptote > 0, coefficient / (factor * asymptote), np.inf)
    return np.where(np.isfinite(raw), np.maximum(raw, 1.0), np.inf)


def _ols_slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Slope of each column of `y` on `x` (NaN where a column has a non-finite value)."""
    xc = x - x.mean()
    finite = np.all(np.isfinite(y), axis=0)
    y = np.where(finite, y, 0.0)
    slope = (xc[:, None] * (y - y.mean(axis=0))).sum(axis=0) / np.sum(xc * xc)
    return np.where(finite, slope, np.nan)


@dataclass(frozen=True)
class ExponentStudy(StudyResult):
    """The rows of :func:`exponent_study` and what they say about the bound's exponent.

    One row per (law, N, replicate, part, M or generator, gain). Columns: ``part`` (``"gencopy"``
    for criteria (a)–(c), ``"generator"`` for (d)), ``generator``, ``m`` (NaN for a generator that
    does not bin), ``gain``; GenCopy rows ``kld_nats, floor_nats, noise_nats, bias_nats, m_train,
    m_generated, binned_error, binned_asymptote, binned_spread``; generator rows ``qmse,
    qmse_train``.
    """

    threshold: float = 0.1
    m_target: float = 3.0
    n_q: int = 10
    seed: int = DEFAULT_SEED
    resamples: int = 1000
    level: float = 0.95

    # ----------------------------------------------------------------------------------------------
    # the curves, by criterion

    def _series(self) -> list[tuple[str, str, float, pd.DataFrame]]:
        """(criterion, generator, M, rows) for every curve family of the study."""
        out: list[tuple[str, str, float, pd.DataFrame]] = []
        copies = self.frame[self.frame["part"] == "gencopy"]
        for m, rows in copies.groupby("m", sort=True):
            for criterion in ("kld", "binned", "m_generated"):
                out.append((criterion, "gencopy", float(m), rows))
        others = self.frame[self.frame["part"] == "generator"]
        for (generator, m), rows in others.groupby(["generator", "m"], sort=False, dropna=False):
            out.append(("ampfactor", str(generator), float(m), rows))
        return out

    @staticmethod
    def _matrix(rows: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
        table = rows.pivot_table(index="gain", columns="replicate", values=column, aggfunc="first").sort_index()
        return table.index.to_numpy(dtype=np.float64), table.to_numpy(dtype=np.float64)

    def _per_replicate(self, rows: pd.DataFrame, column: str) -> np.ndarray:
        return np.asarray(rows.groupby("replicate", sort=True)[column].first().to_numpy(dtype=np.float64))

    def _stars(self, criterion: str, rows: pd.DataFrame, index: np.ndarray) -> np.ndarray:
        """G* of one N for each resample of the replicates (`index`: resamples × replicates)."""
        tau = self.threshold
        if criterion == "kld":
            gains, values = self._matrix(rows, "kld_nats")
            floor = self._per_replicate(rows, "floor_nats")[index].mean(axis=1)
            b = _approach_fixed(gains, values[:, index].mean(axis=2), floor)
            return _gain_star(b, floor, tau)
        if criterion == "binned":
            gains, values = self._matrix(rows, "binned_error")
            asymptote = self._per_replicate(rows, "binned_asymptote")[index].mean(axis=1)
            c = -_approach_fixed(gains, values[:, index].mean(axis=2), asymptote)
            return _gain_star(c, asymptote, tau)
        if criterion == "m_generated":
            gains, values = self._matrix(rows, "m_generated")
            means = values[:, index].mean(axis=2)
            x = np.log(gains)
            beta = _ols_slope(x, means)
            alpha = means.mean(axis=0) - beta * x.mean()
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                star = np.where(beta > 0, np.exp((self.m_target - alpha) / beta), np.inf)
            return np.asarray(np.maximum(star, 1.0))
        gains, values = self._matrix(rows, "qmse")
        a, b = _approach_free(gains, values[:, index].mean(axis=2))
        return _gain_star(b * (1.0 - tau), a, tau)

    def _prediction(self, criterion: str, rows: pd.DataFrame) -> float:
        """G* the theory predicts for one N (NaN where no law predicts it)."""
        tau = self.threshold
        if criterion == "kld":  # the gain law: b = (B_occ - 1)/(2N)
            return max(1.0, float(self._per_replicate(rows, "noise_nats").mean() / (tau * self._per_replicate(rows, "floor_nats").mean())))
        if criterion == "binned":  # multinomial variance: c = (1 - sum of squared shares)/N
            return max(1.0, float(self._per_replicate(rows, "binned_spread").mean() / (tau * self._per_replicate(rows, "binned_asymptote").mean())))
        if criterion == "m_generated":  # by construction: N^(3/M_train - 1)
            m_train = float(self._per_replicate(rows, "m_train").mean())
            return max(1.0, float(float(rows["n"].iloc[0]) ** (self.m_target / m_train - 1.0)))
        return math.nan

    @cached_property
    def _bootstrap(self) -> pd.DataFrame:
        """G* per (criterion, generator, M, N): the estimate, the bootstrap draws, the prediction."""
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(b"exponent-bootstrap"),)))
        records = []
        for criterion, generator, m, family in self._series():
            for n, rows in family.groupby("n", sort=True):
                reps = int(rows["replicate"].nunique())
                everyone = np.arange(reps)[None, :]
                draws = rng.integers(0, reps, size=(self.resamples, reps))
                records.append({
                    "criterion": criterion, "generator": generator, "m": m, "n": int(n),
                    "gain_star": float(self._stars(criterion, rows, everyone)[0]),
                    "draws": self._stars(criterion, rows, draws),
                    "predicted": self._prediction(criterion, rows),
                    "max_gain": int(rows["gain"].max()), "replicates": reps,
                })
        return pd.DataFrame(records)

    def gain_stars(self) -> pd.DataFrame:
        """G*(N) per curve family, with its bootstrap interval and the prediction (where one exists).

        Columns ``criterion, generator, m, n, gain_star, low, high, predicted, extrapolated``
        (``extrapolated``: G* lies beyond the largest gain of the grid).
        """
        boot = self._bootstrap
        half = (1.0 - self.level) / 2.0
        out = boot[["criterion", "generator", "m", "n", "gain_star", "predicted"]].copy()
        # the inverted-CDF percentile never interpolates, so an infinite G* (no saturation seen)
        # in a resample stays an infinite bound instead of a NaN
        out["low"] = [float(np.quantile(d, half, method="inverted_cdf")) for d in boot["draws"]]
        out["high"] = [float(np.quantile(d, 1.0 - half, method="inverted_cdf")) for d in boot["draws"]]
        out["extrapolated"] = boot["gain_star"] > boot["max_gain"]
        return out[["criterion", "generator", "m", "n", "gain_star", "low", "high", "predicted", "extrapolated"]]

    def slopes(self) -> pd.DataFrame:
        """The fitted exponent of each curve family: slope of ln G* on ln N, its interval, the theory's.

        Columns ``criterion, generator, m, slope, low, high, predicted, bound, valid`` (``bound``
        is the bound's 1/2; ``predicted`` the slope of the predicted G*; ``valid`` the fraction of
        bootstrap resamples in which every G* was finite).
        """
        boot = self._bootstrap
        half = (1.0 - self.level) / 2.0
        records = []
        for (criterion, generator, m), part in boot.groupby(["criterion", "generator", "m"], sort=False, dropna=False):
            x = np.log(part["n"].to_numpy(dtype=np.float64))
            estimate = float(_ols_slope(x, np.log(part["gain_star"].to_numpy(dtype=np.float64))[:, None])[0])
            with np.errstate(divide="ignore"):
                draws = _ols_slope(x, np.log(np.vstack(part["draws"].to_list())))
            finite = draws[np.isfinite(draws)]
            predicted = part["predicted"].to_numpy(dtype=np.float64)
            records.append({
                "criterion": criterion, "generator": generator, "m": m, "slope": estimate,
                "low": float(np.quantile(finite, half, method="inverted_cdf")) if finite.size else math.nan,
                "high": float(np.quantile(finite, 1.0 - half, method="inverted_cdf")) if finite.size else math.nan,
                "predicted": float(_ols_slope(x, np.log(predicted)[:, None])[0]) if np.all(np.isfinite(predicted)) else math.nan,
                "bound": 0.5, "valid": float(finite.size / draws.size),
            })
        order = {c: i for i, c in enumerate(CRITERIA)}
        frame = pd.DataFrame(records)
        frame = frame.assign(_order=frame["criterion"].map(order)).sort_values(["_order", "generator", "m"], kind="stable")
        return frame.drop(columns="_order").reset_index(drop=True)

    def curves(self) -> pd.DataFrame:
        """Each criterion's curve against G, mean over replicates, as a fraction of the way left.

        Columns ``criterion, generator, m, n, gain, remaining``: for (a) ``(F − D)/F``, for (b)
        ``(e − e_∞)/e_∞``, for (d) ``(q − A)/A`` with A the fitted asymptote, for (c)
        ``3 − M(G)`` (the M still missing). The criteria (a), (b), (d) hold where ``remaining``
        falls below τ.
        """
        records: list[dict[str, Any]] = []
        for criterion, generator, m, family in self._series():
            for n, rows in family.groupby("n", sort=True):
                g = rows.groupby("gain", sort=True)
                gains = g.size().index.to_numpy()
                if criterion == "kld":
                    floor = self._per_replicate(rows, "floor_nats").mean()
                    remaining = (floor - g["kld_nats"].mean().to_numpy()) / floor
                elif criterion == "binned":
                    asymptote = self._per_replicate(rows, "binned_asymptote").mean()
                    remaining = (g["binned_error"].mean().to_numpy() - asymptote) / asymptote
                elif criterion == "m_generated":
                    remaining = self.m_target - g["m_generated"].mean().to_numpy()
                else:
                    q = g["qmse"].mean().to_numpy()
                    a, _ = _approach_free(gains.astype(np.float64), q[:, None])
                    remaining = (q - a[0]) / a[0]
                records.extend(
                    {"criterion": criterion, "generator": generator, "m": m, "n": int(n), "gain": int(gv), "remaining": float(r)}
                    for gv, r in zip(gains, remaining)
                )
        return pd.DataFrame(records)

    def asymptotic_factors(self) -> pd.DataFrame:
        """Criterion (d): the fitted asymptotic amplification factor ``G_eff(∞)`` per generator and N."""
        records = []
        for criterion, generator, m, family in self._series():
            if criterion != "ampfactor":
                continue
            for n, rows in family.groupby("n", sort=True):
                gains, values = self._matrix(rows, "qmse")
                a, _ = _approach_free(gains, values.mean(axis=1)[:, None])
                factor = (1.0 - 1.0 / self.n_q) / (self.n_q * float(n) * float(a[0])) if a[0] > 0 else math.inf
                records.append({"generator": generator, "m": m, "n": int(n), "gain_eff_inf": factor})
        return pd.DataFrame(records)

    # ----------------------------------------------------------------------------------------------
    # for the book

    @staticmethod
    def label(criterion: str, generator: str, m: float) -> str:
        """The name of one curve family in tables and legends, e.g. ``(a) KLD, GenCopy, M = 2``."""
        letter = CRITERIA[criterion].split(" ", 1)[0]
        what = {"kld": "KLD", "binned": "binned error", "m_generated": "measured M", "ampfactor": "G_eff"}[criterion]
        who = _DISPLAY.get(generator, generator)
        if criterion == "ampfactor" and generator == "gencopy":
            who = "GenCopy (multinomial)"
        where = f", M = {m:g}" if not math.isnan(m) else ""
        return f"{letter} {what}, {who}{where}"

    @staticmethod
    def key(criterion: str, generator: str, m: float) -> str:
        """The headline key of one curve family, e.g. ``kld_m2``, ``ampfactor_gaussian_mixture``."""
        name = criterion if criterion != "ampfactor" else f"ampfactor_{generator.replace('-', '_')}"
        return name if math.isnan(m) else f"{name}_m{m:g}".replace(".", "p")

    def table(self) -> pd.DataFrame:
        """The fitted exponents, rounded, beside the bound's 1/2 (for the book)."""
        s = self.slopes()
        stars = self.gain_stars()
        n_low, n_high = int(stars["n"].min()), int(stars["n"].max())

        def star_at(row: pd.Series, n: int) -> float:
            hit = stars[(stars["criterion"] == row["criterion"]) & (stars["generator"] == row["generator"])
                        & (stars["n"] == n) & ((stars["m"] == row["m"]) | (stars["m"].isna() & math.isnan(row["m"])))]
            return float(hit["gain_star"].iloc[0])

        return pd.DataFrame({
            "criterion": [self.label(r.criterion, r.generator, r.m) for r in s.itertuples()],
            f"G* at N = {n_low}": [round(star_at(r, n_low), 1) for _, r in s.iterrows()],
            f"G* at N = {n_high}": [round(star_at(r, n_high), 1) for _, r in s.iterrows()],
            "slope of ln G* on ln N": s["slope"].round(3),
            f"{self.level:.0%} interval": [f"[{lo:.2f}, {hi:.2f}]" for lo, hi in zip(s["low"], s["high"])],
            "predicted slope": s["predicted"].round(3),
            "bound's slope": s["bound"],
        })

    def headline(self) -> dict[str, Any]:
        """Slopes, intervals, predictions and G*(N) by family key (see :meth:`key`)."""
        s = self.slopes()
        stars = self.gain_stars()
        out: dict[str, Any] = {"slope": {}, "slope_low": {}, "slope_high": {}, "slope_predicted": {}, "gain_star": {}}
        for r in s.itertuples():
            key = self.key(r.criterion, r.generator, r.m)
            out["slope"][key] = float(r.slope)
            out["slope_low"][key] = float(r.low)
            out["slope_high"][key] = float(r.high)
            out["slope_predicted"][key] = float(r.predicted)
        for r in stars.itertuples():
            out["gain_star"].setdefault(self.key(r.criterion, r.generator, r.m), {})[str(r.n)] = float(r.gain_star)
        factors = self.asymptotic_factors()
        out["gain_eff_inf"] = {}
        for r in factors.itertuples():
            out["gain_eff_inf"].setdefault(self.key("ampfactor", r.generator, r.m), {})[str(r.n)] = float(r.gain_eff_inf)
        out["exponent_n_values"] = sorted(int(v) for v in self.frame["n"].unique())
        out["exponent_n_ratio"] = out["exponent_n_values"][-1] / out["exponent_n_values"][0]
        out["exponent_gains"] = sorted(int(v) for v in self.frame["gain"].unique())
        out["exponent_replicates"] = int(self.frame.loc[self.frame["part"] == "gencopy", "replicate"].nunique())
        out["exponent_generator_replicates"] = int(self.frame.loc[self.frame["part"] == "generator", "replicate"].nunique())
        out["exponent_threshold"] = self.threshold
        return out


def exponent_study(
    reference: Reference,
    n: Sequence[int],
    m: Sequence[float] = (2.0, 2.5),
    gains: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128),
    *,
    generators: Sequence[str] = DEFAULT_GENERATORS,
    generator_options: Mapping[str, Mapping[str, Any]] | None = None,
    n_q: int = 10,
    threshold: float = 0.1,
    m_target: float = 3.0,
    replicates: int = 8,
    generator_replicates: int | None = None,
    seed: int = DEFAULT_SEED,
    k: int = 5,
    entropy_method: str = "nn",
    resamples: int = 1000,
    level: float = 0.95,
    executor: Any = None,
    workers: int | None = None,
    store: Any = None,
    progress: bool = False,
    threads: int | None = None,
) -> ExponentStudy:
    """Measure G*(N) by the four criteria and fit the exponent of each (see the module docstring).

    Parameters
    ----------
    reference : Reference
        The true law and a large sorted sample of it (the KLD of criterion (a) is taken against
        it; its law gives the training samples, the bin probabilities and the quantile bins).
    n : sequence of int
        Training sizes N (at least two distinct values, each > `k` and >= 20).
    m : sequence of float
        Goldilocks statistics of GenCopy (criteria (a)–(c), and (d) for binning generators).
    gains : sequence of int
        Gains G >= 1 (at least three distinct values).
    generators : sequence of str
        Generators of criterion (d): keys of :data:`ampcore.amplify.AMPLIFIERS` (``"gencopy"``
        is the multinomial GenCopy unless `generator_options` says otherwise); empty to skip (d).
    generator_options : mapping of str to mapping, optional
        Keyword options per generator (plain values: numbers, strings, None or lists of them).
    n_q : int
        Quantile bins of the amplification factor (>= 2; SynthEval uses 10).
    threshold : float
        τ in (0, 1): "within τ of the asymptote".
    m_target : float
        The M that criterion (c) asks the generated sample to reach (the bound's 3).
    replicates : int
        Independent training samples per N (>= 2: the interval resamples them).
    generator_replicates : int, optional
        Training samples per N for criterion (d) (default `replicates`). Its generators need no
        kNN divergence, so they are cheap, and the asymptote of a good fit (a small quantile MSE
        that varies like a chi-square with few degrees of freedom between training samples)
        needs more of them; the first `replicates` share their training events with (a)–(c).
    seed : int
        Root seed (training samples, generation and the bootstrap).
    k : int
        Neighbour order of the KLD.
    entropy_method : str
        Entropy estimator of GenCopy's Δ.
    resamples : int
        Bootstrap resamples of the replicates (>= 100).
    level : float
        Confidence level of the intervals, in (0, 1).
    executor, workers, store, progress, threads
        How the trials run (:func:`ampcore.studies.run_trials`).

    Returns
    -------
    ExponentStudy

    Examples
    --------
    >>> from scipy import stats
    >>> ref = Reference.draw(stats.norm(), 20_000, rng=1, name="normal")
    >>> study = exponent_study(ref, [100, 400], m=[2.0], gains=[1, 4, 16], generators=["gaussian_mixture"],
    ...                        replicates=2, resamples=100, workers=1)
    >>> sorted(study.slopes()["criterion"].unique())
    ['ampfactor', 'binned', 'kld', 'm_generated']
    """
    if not isinstance(reference, Reference):
        raise TypeError(f"`reference` must be an ampcore Reference; got {type(reference).__name__}.")
    seed = check_int(seed, "seed", minimum=0)
    k = check_int(k, "k", minimum=1)
    ns = sorted({check_int(v, "n", minimum=max(20, k + 1)) for v in check_list(n, "n")})
    if len(ns) < 2:
        raise ValueError(f"`n` must hold at least two distinct training sizes (a slope needs two); got {list(n)!r}.")
    ms = sorted({check_positive(v, "m") for v in check_list(m, "m")})
    gs = sorted({check_int(v, "gains", minimum=1) for v in check_list(gains, "gains")})
    if len(gs) < 3:
        raise ValueError(f"`gains` must hold at least three distinct gains (a fit of a + b/G needs them); got {list(gains)!r}.")
    if isinstance(generators, str):
        raise TypeError(f"`generators` must be a sequence of names; got the string {generators!r}.")
    names = [check_choice(g, "generators", AMPLIFIERS) for g in generators]
    options_in = dict(generator_options or {})
    unknown = sorted(set(options_in) - set(names))
    if unknown:
        raise ValueError(f"`generator_options` names generators not in `generators`: {unknown}.")
    n_q = check_int(n_q, "n_q", minimum=2)
    replicates = check_int(replicates, "replicates", minimum=2)
    generator_replicates = replicates if generator_replicates is None else check_int(
        generator_replicates, "generator_replicates", minimum=2)
    resamples = check_int(resamples, "resamples", minimum=100)
    threshold = check_positive(threshold, "threshold")
    level = check_positive(level, "level")
    if not threshold < 1:
        raise ValueError(f"`threshold` must be in (0, 1); got {threshold!r}.")
    if not level < 1:
        raise ValueError(f"`level` must be in (0, 1); got {level!r}.")
    m_target = check_positive(m_target, "m_target")
    law = reference.law
    fisher = fisher_information(law)  # after every check
    trials: list[Trial] = []
    label, shared = reference.name, tuple(gs)
    for size in ns:
        for mv in ms:
            for rep in range(replicates):
                trials.append(Trial.make(law=label, n=size, replicate=rep, seed=seed, gains=shared, part="gencopy",
                                         m=mv, k=k, entropy_method=entropy_method))
        for name in names:
            opts = {**_DEFAULT_OPTIONS.get(name, {}), **dict(options_in.get(name, {}))}
            m_axis: list[float | None] = list(ms) if name in BINNING_AMPLIFIERS else [None]
            for m_value in m_axis:
                for rep in range(generator_replicates):
                    trials.append(Trial.make(law=label, n=size, replicate=rep, seed=seed, gains=shared,
                                             part="generator", generator=name, options=tuple(sorted(opts.items())),
                                             m=m_value, n_q=n_q))
    rows = run_trials(
        measure_exponent, trials, context={"references": {reference.name: reference}, "fisher": {reference.name: fisher}},
        executor=executor, workers=workers, store=store, progress=progress, threads=threads,
        cost=lambda t: t.n * sum(t["gains"]) * (3 if t["part"] == "gencopy" else 1), desc="exponent study",
    )
    frame = pd.DataFrame(rows).drop(columns=["gains", "options", "k", "entropy_method", "n_q"], errors="ignore")
    frame["generator"] = frame["generator"].astype(str)
    frame = frame.sort_values(["law", "n", "part", "generator", "m", "gain", "replicate"], na_position="last")
    return ExponentStudy(frame.reset_index(drop=True), threshold=threshold, m_target=m_target, n_q=n_q, seed=seed,
                         resamples=resamples, level=level)
