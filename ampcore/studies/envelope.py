"""The envelope study: the amplification factor at the resolution tied to N, for every generator.

Each trial fits one generator to N events of a law and scores it on ``B = round(N^{1/M})`` bins
of probability ``1/B`` under the truth (:func:`ampcore.envelope.goldilocks_bins`), for each M:

* **exactly at infinite gain.** Every generator here has a cdf: the fitted law of the right family
  (maximum likelihood), a Gaussian mixture (EM to a stated tolerance), a Gaussian KDE (a mixture
  of N kernels) and GenCopy (its histogram density, the limit of either variant). So its own bin
  probabilities ``P̂_j`` are computed exactly and its infinite-gain score is
  ``qMSE_∞ = mean_j (P̂_j − 1/B)²``, with no generation noise; ``G_eff(∞) = (1 − 1/B)/(B N
  E[qMSE_∞])`` with the expectation estimated by the mean over the replicates (the mean of
  per-replicate ratios would be biased upwards). The same is done at a fixed number of bins
  ``n_q_fixed`` (the contrast: there the factor does not grow with N) and on equal-width bins at
  the Goldilocks width ``Δ = e^h N^{-1/M}`` of the truth (a check that the growth is not an
  artefact of equiprobable bins);
* **by sampling at finite gain**, for the training sizes ``approach_n``: ``G · N`` generated
  events scored on the same bins;
* **from a large generated sample**, for the neural generators (the GAN, :mod:`ampcore.generators.gan`, and
  the normalising flow, :mod:`ampcore.generators.flow`; asked for by name, not in the default list), which
  have no cdf: ``S`` events (``generated_size``, 10⁶ by default) are counted in the same bins and
  their own counting noise is subtracted, ``qMSE_∞ ≈ mean_j (p̂_j − 1/B)² − (1 − Σ_j p̂_j²)/(B (S − 1))``
  (Standard: the multinomial variance of the fractions p̂_j given the fitted law, whose unbiased
  estimate this is); each row keeps the subtracted term (``counting_noise``) so that its size
  beside the score can be shown.

Provenance: the score and the factor are those of :mod:`ampcore.ampfactor` (qMSE Paraphrased,
``G = n_equiv/N`` Quoted from a machine-written review, the inversion Reconstructed). The
decomposition of a sampled score, ``E[qMSE(G)] = E[qMSE_∞] + c (1 − 1/B)/(B G N)`` with ``c = 1``
for a generator that draws independent events from its fitted law, is Standard (conditional on
the fit, multinomial variance of the bin fractions) — so ``1/G_eff(G) = 1/G_eff(∞) + c/G`` is an
identity for such generators and the generated size at which the factor reaches half its plateau
is ``N_G* = c N G_eff(∞)`` (Reconstructed, ours). The slope of ``ln G_eff(∞)`` on ``ln N`` and its
interval (percentile bootstrap over the replicates, Standard; Efron & Tibshirani 1993) are the
measurement; the knee exponent ``1 + slope`` follows from it through that identity, and the
sampled points test the identity (``c``). The envelope is :func:`ampcore.envelope.amplification_envelope`
(Reconstructed).
"""

from __future__ import annotations

import math
import sys
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_int, check_law, check_positive
from ..ampfactor import quantile_mse
from ..generators import KDE, ConvergenceWarning, GaussianMixture, GenCopy, HistogramModel
from ..envelope import amplification_envelope, goldilocks_bins, law_parameters
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials
from .results import Column, StudyResult, check_list, table_from
from ..laws import Law

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = ["ENVELOPE_GENERATORS", "EnvelopeFit", "EnvelopeHeadline", "EnvelopeStudy", "envelope_study",
           "fitted_parameters", "measure_envelope"]

ENVELOPE_GENERATORS = ("fitted", "gaussian_mixture", "kde", "gencopy", "gencopy_multinomial")
"""The generators of the study: the law's own family fitted by maximum likelihood, a Gaussian
mixture (EM), a Gaussian KDE (the smoothed bootstrap), GenCopy's copies (jitter) and its
multinomial variant (the same histogram density; they differ only at finite gain). The neural
generators ``"gan"`` and ``"flow"`` (:data:`_NEURAL`) may be asked for as well."""

_NEURAL = ("gan", "flow")
"""The neural generators: scored from a large generated sample (they have no cdf)."""

_BOOTSTRAP = 1000
_KERNEL_REACH = 9.0  # Φ(-9) = 1e-19: a kernel's mass beyond 9 bandwidths is below float64's resolution of 1
_EDGE_TAIL = 0.5  # equal-width bins cover the truth's quantiles 0.5/N .. 1 - 0.5/N


def fitted_parameters(law: Law) -> tuple[str, ...]:
    """The parameters the ``"fitted"`` generator estimates: all of the family's, but ``loc`` when
    the support has a finite lower end (a lognormal's or gamma's origin is known).

    Examples
    --------
    >>> from scipy import stats
    >>> fitted_parameters(stats.norm()), fitted_parameters(stats.lognorm(1.0))
    (('loc', 'scale'), ('s', 'scale'))
    """
    names = tuple(law_parameters(law))
    low = float(law.support()[0])
    return tuple(n for n in names if not (n == "loc" and math.isfinite(low)))


# --------------------------------------------------------------------------------------------------
# the measure


def _fit_cdf(trial: Trial, law: Any, x: np.ndarray, m: float) -> tuple[Callable[[np.ndarray], np.ndarray], Any, dict[str, Any]]:
    """The generator's cdf, the fitted model (with ``.sample``) and its convergence record."""
    from scipy import special

    name = trial["generator"]
    if name == "fitted":
        params = tuple(trial["params"])
        values = law_parameters(law)
        shapes = [p for p in values if p not in ("loc", "scale")]
        # scipy names a fixed shape f0, f1, ... (by position) and fixed loc, scale floc, fscale
        fixed = {("f" + str(shapes.index(p)) if p in shapes else "f" + p): v for p, v in values.items()
                 if p not in params}
        theta = law.dist.fit(x, **fixed)
        model = law.dist(*theta)
        return (lambda e: np.asarray(model.cdf(e), dtype=np.float64)), _Scipy(model), {"converged": True}
    if name == "gaussian_mixture":
        # the row records `converged`; the warning itself would reach stderr only in some processes
        # (the fit runs on one thread: GaussianMixture.fit limits it)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mix = GaussianMixture(components=trial["components"], restarts=1, tol=trial["tol"],
                                  max_iter=trial["max_iter"]).fit(x)

        def mixture_cdf(e: np.ndarray) -> np.ndarray:
            return np.asarray((mix.weights * special.ndtr((e[:, None] - mix.means) / mix.sds)).sum(axis=1))

        return mixture_cdf, mix, {"converged": bool(mix.converged), "n_iter": int(mix.n_iter)}
    if name == "kde":
        kde = KDE().fit(x)

        centres = np.sort(kde.centers)
        reach = _KERNEL_REACH * kde.bandwidth

        def kde_cdf(e: np.ndarray) -> np.ndarray:
            # centres more than 9 bandwidths below (above) an edge add 1 (0) to within 1e-19
            lo, hi = np.searchsorted(centres, e - reach), np.searchsorted(centres, e + reach)
            out = lo.astype(np.float64)
            for i in range(e.size):
                out[i] += special.ndtr((e[i] - centres[lo[i]:hi[i]]) / kde.bandwidth).sum()
            return np.asarray(out / centres.size)

        return kde_cdf, kde, {"converged": True}
    variant = "jitter" if name == "gencopy" else "multinomial"
    hist = GenCopy(m=m, variant=variant).fit(x)
    return _histogram_cdf(hist), hist, {"converged": True}


@dataclass(frozen=True)
class _Scipy:
    """A fitted scipy law with the ``sample(size, rng=)`` of a FittedModel."""

    law: Law

    def sample(self, size: int, *, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(self.law.rvs(size=size, random_state=rng), dtype=np.float64)


def _histogram_cdf(hist: HistogramModel) -> Callable[[np.ndarray], np.ndarray]:
    """The cdf of GenCopy's histogram density (uniform inside each training bin)."""
    index, counts = np.unique(hist.bins, return_counts=True)
    left = hist.origin + index * hist.width
    weight = counts / hist.bins.size

    def cdf(e: np.ndarray) -> np.ndarray:
        inside = np.clip((e[:, None] - left[None, :]) / hist.width, 0.0, 1.0)
        return np.asarray(inside @ weight)

    return cdf


def _probabilities(cdf: Callable[[np.ndarray], np.ndarray], edges: np.ndarray) -> np.ndarray:
    return np.diff(np.concatenate([[0.0], cdf(edges), [1.0]]))


def _equal_width_edges(law: Law, n: int, m: float) -> np.ndarray:
    """Inner edges of bins of the truth's Goldilocks width ``e^h N^{-1/M}``, centred on its median."""
    width = math.exp(float(law.entropy())) * n ** (-1.0 / m)
    low, high = (float(v) for v in law.ppf([_EDGE_TAIL / n, 1.0 - _EDGE_TAIL / n]))
    centre = float(law.median()) if hasattr(law, "median") else float(law.ppf(0.5))
    k = np.arange(math.floor((low - centre) / width), math.ceil((high - centre) / width) + 1)
    return np.asarray(centre + (k + 0.5) * width)


def _fit_neural(trial: Trial, x: np.ndarray) -> tuple[Any, dict[str, Any]]:
    """The GAN or the flow of the trial (its seed from stream ``"gan"``/``"flow"``) and its record."""
    name = trial["generator"]
    seed = int(trial.rng(name).integers(2**31 - 1))
    options = dict(trial["options"])
    with warnings.catch_warnings():  # the row records `converged`
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "gan":
            from ..generators.gan import GAN

            model: Any = GAN(seed=seed, **options).fit(x)
        else:
            from ..generators.flow import Flow

            model = Flow(seed=seed, **options).fit(x)
    return model, {"converged": bool(model.converged)}


def _counted(sorted_sample: np.ndarray, edges: np.ndarray, reference: np.ndarray | None = None) -> tuple[float, float]:
    """``(mean_j (p̂_j − r_j)² − noise, noise)`` of a generated sample in the bins cut at `edges`,
    ``r_j`` the truth's probabilities (``1/B`` by default) and ``noise = (1 − Σ p̂_j²)/(B (S − 1))``
    the unbiased estimate of the sample's own counting noise."""
    size = sorted_sample.size
    cuts = np.concatenate([[0], np.searchsorted(sorted_sample, edges, side="right"), [size]])
    p_hat = np.diff(cuts) / size
    bins = p_hat.size
    target = np.full(bins, 1.0 / bins) if reference is None else reference
    noise = float((1.0 - np.sum(p_hat**2)) / (bins * (size - 1)))
    return float(np.mean((p_hat - target) ** 2)) - noise, noise


def _measure_neural(trial: Trial, law: Law, x: np.ndarray) -> list[dict[str, Any]]:
    """The rows of a GAN or flow trial: :func:`measure_envelope` with counted bins (see the module)."""
    n = trial.n
    model, status = _fit_neural(trial, x)
    big = np.sort(np.asarray(model.sample(trial["generated_size"], rng=trial.rng("generated")), dtype=np.float64).ravel())
    q = trial["n_q_fixed"]
    fixed_edges = np.asarray(law.ppf(np.arange(1, q) / q))
    rows: list[dict[str, Any]] = []
    for i, m in enumerate(trial["m_values"]):
        bins = goldilocks_bins(n, m)
        qmse, noise = _counted(big, np.asarray(law.ppf(np.arange(1, bins) / bins)))
        wide = _equal_width_edges(law, n, m)
        p_true_w = _probabilities(lambda e: np.asarray(law.cdf(e), dtype=np.float64), wide)
        rows.append({
            "m": float(m), "gain": 0, "bins": bins, **status, "qmse": qmse,
            "qmse_fixed": _counted(big, fixed_edges)[0],
            "bins_wide": int(wide.size + 1), "spread_wide": float(1.0 - np.sum(p_true_w**2)),
            "qmse_wide": _counted(big, wide, p_true_w)[0],
            "counting_noise": noise, "generated_size": int(big.size),
        })
        for gain in trial["gains"]:
            sample = model.sample(int(gain) * n, rng=trial.rng("sample", i, int(gain)))
            rows.append({"m": float(m), "gain": int(gain), "bins": bins, **status,
                         "qmse": quantile_mse(sample, np.asarray(law.ppf(np.arange(1, bins) / bins)))})
    return rows


def measure_envelope(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows for one (law, N, replicate, generator): per M the exact infinite-gain scores (equiprobable
    Goldilocks bins, equal-width Goldilocks bins, ``n_q_fixed`` bins), then the sampled scores at
    the gains of ``trial["gains"]`` (``gain = 0`` marks the exact rows). The GAN and the flow are
    scored from ``generated_size`` counted events instead (see the module)."""
    law = context["laws"][trial.law]
    x = trial.training_sample(law)
    n = trial.n
    if trial["generator"] in _NEURAL:
        return _measure_neural(trial, law, x)
    rows: list[dict[str, Any]] = []
    fitted: tuple[Callable[[np.ndarray], np.ndarray], Any, dict[str, Any]] | None = None
    fixed_edges = np.asarray(law.ppf(np.arange(1, trial["n_q_fixed"]) / trial["n_q_fixed"]))
    for i, m in enumerate(trial["m_values"]):
        if fitted is None or trial["generator"].startswith("gencopy"):  # GenCopy's width depends on M
            fitted = _fit_cdf(trial, law, x, m)
        cdf, model, status = fitted
        bins = goldilocks_bins(n, m)
        edges = np.asarray(law.ppf(np.arange(1, bins) / bins))
        p_hat = _probabilities(cdf, edges)
        wide = _equal_width_edges(law, n, m)
        p_true_w = _probabilities(lambda e: np.asarray(law.cdf(e), dtype=np.float64), wide)
        p_fixed = _probabilities(cdf, fixed_edges)
        rows.append({
            "m": float(m), "gain": 0, "bins": bins, **status,
            "qmse": float(np.mean((p_hat - 1.0 / bins) ** 2)),
            "qmse_fixed": float(np.mean((p_fixed - 1.0 / trial["n_q_fixed"]) ** 2)),
            "bins_wide": int(wide.size + 1),
            "spread_wide": float(1.0 - np.sum(p_true_w**2)),
            "qmse_wide": float(np.mean((_probabilities(cdf, wide) - p_true_w) ** 2)),
        })
        for gain in trial["gains"]:
            sample = model.sample(int(gain) * n, rng=trial.rng("sample", i, int(gain)))
            rows.append({"m": float(m), "gain": int(gain), "bins": bins, **status,
                         "qmse": quantile_mse(sample, edges)})
    return rows


# --------------------------------------------------------------------------------------------------
# the result


@dataclass(frozen=True)
class EnvelopeFit:
    """The measured scaling of one generator on one law at one M.

    Attributes
    ----------
    law, generator : str
    m : float
        The Goldilocks M of the bins, ``B = round(N^{1/M})``.
    slope, slope_low, slope_high : float
        Least-squares slope of ``ln G_eff(∞)`` on ``ln N`` and its 95 % bootstrap interval.
    envelope_slope : float
        The same slope of the efficient-fit envelope at the same B (about 1/M; the rounding of
        B moves it a little).
    wide_slope, wide_low, wide_high : float
        The slope on equal-width bins at the Goldilocks width (the check).
    fixed_slope, fixed_low, fixed_high : float
        The slope at a fixed number of bins ``n_q_fixed`` (the contrast).
    g_eff_first, g_eff_last : float
        ``G_eff(∞)`` at the smallest and largest N.
    envelope_first, envelope_last : float
        The envelope there.
    params_first, params_last : float
        Effective number of parameters ``B/G_eff(∞)`` at the smallest and largest N.
    envelope_z_max : float
        Largest ``|G_eff(∞) − envelope|`` over N, in standard errors of the replicate mean.
    knee_slope, knee_low, knee_high : float
        Slope of ``ln N_G*`` on ``ln N``: ``1 + slope`` (the identity ``N_G* = c N G_eff(∞)``
        with a c that does not depend on N).
    knee_z_efficient, knee_z_bound : float
        Its distance from ``1 + 1/M`` and from ``3/M`` in standard errors (the bootstrap
        interval's width / 3.92).
    approach_c, approach_c_se : float
        The measured c of ``1/G_eff(G) = 1/G_eff(∞) + c/G`` (1 for independent draws; NaN
        without sampled gains) and its standard error.
    converged : float
        Fraction of the fits that met their convergence criterion (1 for closed forms).
    """

    law: str
    generator: str
    m: float
    slope: float
    slope_low: float
    slope_high: float
    envelope_slope: float
    wide_slope: float
    wide_low: float
    wide_high: float
    fixed_slope: float
    fixed_low: float
    fixed_high: float
    g_eff_first: float
    g_eff_last: float
    envelope_first: float
    envelope_last: float
    params_first: float
    params_last: float
    envelope_z_max: float
    knee_slope: float
    knee_low: float
    knee_high: float
    knee_z_efficient: float
    knee_z_bound: float
    approach_c: float
    approach_c_se: float
    converged: float

    @property
    def knee_follows(self) -> str:
        """``"1 + 1/M"`` or ``"3/M"``: the prediction nearer the measured knee exponent (in SE)."""
        return "1 + 1/M" if abs(self.knee_z_efficient) <= abs(self.knee_z_bound) else "3/M"


@dataclass(frozen=True)
class EnvelopeHeadline:
    """The study's headline: its design and one :class:`EnvelopeFit` per (law, generator, M)."""

    laws: tuple[str, ...]
    generators: tuple[str, ...]
    m_values: tuple[float, ...]
    n_values: tuple[int, ...]
    replicates: int
    n_q_fixed: int
    fits: tuple[EnvelopeFit, ...]

    def fit(self, law: str, generator: str, m: float) -> EnvelopeFit:
        """The fit of one (law, generator, M)."""
        for f in self.fits:
            if f.law == law and f.generator == generator and f.m == float(m):
                return f
        raise KeyError(f"no fit for law={law!r}, generator={generator!r}, m={m!r}.")

    def records(self) -> dict[str, Any]:
        """Plain glue names: ``<field>_<law>_<generator>_m<M>`` (``m2p5`` for 2.5), and the design."""
        out: dict[str, Any] = {
            "envelope_n_first": self.n_values[0], "envelope_n_last": self.n_values[-1],
            "envelope_n_ratio": self.n_values[-1] / self.n_values[0],
            "envelope_replicates": self.replicates, "envelope_n_q_fixed": self.n_q_fixed,
        }
        for f in self.fits:
            tag = f"{f.law}_{f.generator}_m{f.m:g}".replace(".", "p")
            for item in fields(f):
                if item.name not in ("law", "generator", "m"):
                    out[f"{item.name}_{tag}"] = getattr(f, item.name)
            out[f"knee_follows_{tag}"] = f.knee_follows
        return out


COLUMNS = (
    Column("law", "law", "", None),
    Column("generator", "generator", "", None),
    Column("m", "M", "", None),
    Column("slope", "slope of ln G_eff(∞) on ln N", "", 2),
    Column("slope_low", "95 % low", "", 2),
    Column("slope_high", "95 % high", "", 2),
    Column("envelope_slope", "envelope slope", "", 2),
    Column("wide_slope", "slope, equal-width bins", "", 2),
    Column("fixed_slope", "slope, fixed N_q", "", 2),
    Column("g_eff_last", "G_eff(∞) at largest N", "", 1),
    Column("envelope_last", "envelope at largest N", "", 1),
    Column("params_last", "B/G_eff(∞) at largest N", "", 2),
    Column("knee_slope", "knee exponent", "", 2),
    Column("approach_c", "c of the approach", "", 2),
)
"""The columns of :meth:`EnvelopeStudy.table`: name, label, unit, decimals."""


def _slope(log_n: np.ndarray, values: np.ndarray) -> float:
    return float(np.polyfit(log_n, np.log(values), 1)[0])


@dataclass(frozen=True)
class EnvelopeStudy(StudyResult):
    """Rows ``law, n, replicate, generator, m, gain, bins, converged, qmse, ...`` (``gain = 0``: exact)."""

    envelope: Mapping[tuple[str, float, int], float] = None  # type: ignore[assignment]
    seed: int = DEFAULT_SEED
    n_q_fixed: int = 20

    def _exact(self) -> pd.DataFrame:
        return self.frame[self.frame["gain"] == 0]

    def curve(self) -> pd.DataFrame:
        """``G_eff(∞)`` by (law, generator, M, N) with its SE, the envelope and ``B/G_eff(∞)``.

        Columns ``law, generator, m, n, bins, replicates, g_eff, g_eff_se, envelope, z,
        effective_parameters, g_eff_wide, g_eff_fixed``.
        """
        exact = self._exact()
        keys = ["law", "generator", "m", "n"]
        g = exact.groupby(keys, sort=True)
        out = g.agg(bins=("bins", "first"), replicates=("qmse", "size"), qmse=("qmse", "mean"),
                    qmse_sd=("qmse", "std"), qmse_wide=("qmse_wide", "mean"), spread_wide=("spread_wide", "mean"),
                    bins_wide=("bins_wide", "first"), qmse_fixed=("qmse_fixed", "mean")).reset_index()
        b, n = out["bins"].to_numpy(float), out["n"].to_numpy(float)
        out["g_eff"] = (1 - 1 / b) / (b * n * out["qmse"])
        out["g_eff_se"] = out["g_eff"] * out["qmse_sd"] / out["qmse"] / np.sqrt(out["replicates"])  # delta method
        out["envelope"] = [self.envelope[(r.law, float(r.m), int(r.bins))] for r in out.itertuples()]
        out["z"] = (out["g_eff"] - out["envelope"]) / out["g_eff_se"]
        out["effective_parameters"] = b / out["g_eff"]
        out["g_eff_wide"] = out["spread_wide"] / (out["bins_wide"] * n * out["qmse_wide"])
        q = self.n_q_fixed
        out["g_eff_fixed"] = (1 - 1 / q) / (q * n * out["qmse_fixed"])
        return out.drop(columns=["qmse", "qmse_sd", "qmse_wide", "spread_wide", "qmse_fixed"])

    def approach(self) -> pd.DataFrame:
        """Sampled ``G_eff(G)`` by (law, generator, M, N, gain) beside ``1/(1/G_eff(∞) + 1/G)``
        computed on the same replicates, and the c of each gain."""
        sampled = self.frame[self.frame["gain"] > 0]
        if sampled.empty:
            return pd.DataFrame(columns=["law", "generator", "m", "n", "gain", "g_eff", "predicted", "c", "c_se"])
        keys = ["law", "generator", "m", "n"]
        exact = self._exact().set_index([*keys, "replicate"])["qmse"]
        rows = []
        for (law, gen, m, n, gain), grp in sampled.groupby([*keys, "gain"], sort=True):
            inf = exact.loc[[(law, gen, m, n, r) for r in grp["replicate"]]].to_numpy()
            b = int(grp["bins"].iloc[0])
            unit = (1 - 1 / b) / (b * gain * n)
            per = (grp["qmse"].to_numpy() - inf) / unit  # each replicate's c
            g_inf = (1 - 1 / b) / (b * n * inf.mean())
            rows.append({"law": law, "generator": gen, "m": m, "n": n, "gain": gain, "replicates": len(grp),
                         "g_eff": (1 - 1 / b) / (b * n * grp["qmse"].mean()),
                         "predicted": 1.0 / (1.0 / g_inf + 1.0 / gain),
                         "c": float(per.mean()), "c_se": float(per.std(ddof=1) / math.sqrt(per.size))})
        return pd.DataFrame(rows)

    def _bootstrap_slopes(self, exact: pd.DataFrame, column: str, scale: Callable[[pd.DataFrame], np.ndarray],
                          rng: np.random.Generator) -> np.ndarray:
        """Slopes of ln (scale / mean column) on ln N over bootstrap resamples of the replicates."""
        ns = sorted(exact["n"].unique())
        draws = np.empty((_BOOTSTRAP, len(ns)))
        factor = np.empty(len(ns))
        for j, n in enumerate(ns):
            block = exact[exact["n"] == n]
            values = block[column].to_numpy()
            factor[j] = float(scale(block.iloc[:1])[0])
            picks = rng.integers(0, values.size, size=(_BOOTSTRAP, values.size))
            draws[:, j] = values[picks].mean(axis=1)
        log_n = np.log(np.asarray(ns, dtype=float))
        return np.asarray(np.polyfit(log_n, np.log(factor[None, :] / draws).T, 1)[0], dtype=np.float64)

    def fits(self) -> tuple[EnvelopeFit, ...]:
        """One :class:`EnvelopeFit` per (law, generator, M)."""
        curve = self.curve()
        approach = self.approach()
        exact = self._exact()
        out = []
        q = self.n_q_fixed
        for (law, gen, m), c in curve.groupby(["law", "generator", "m"], sort=False):
            c = c.sort_values("n")
            log_n = np.log(c["n"].to_numpy(float))
            block = exact[(exact["law"] == law) & (exact["generator"] == gen) & (exact["m"] == m)]
            key = zlib.crc32(f"{law}/{gen}/{m:g}".encode())
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))
            boot = self._bootstrap_slopes(block, "qmse", lambda r: (1 - 1 / r["bins"].to_numpy(float))
                                          / (r["bins"].to_numpy(float) * r["n"].to_numpy(float)), rng)
            wide = self._bootstrap_slopes(block, "qmse_wide", lambda r: r["spread_wide"].to_numpy(float)
                                          / (r["bins_wide"].to_numpy(float) * r["n"].to_numpy(float)), rng)
            fixed = self._bootstrap_slopes(block, "qmse_fixed", lambda r: np.full(1, (1 - 1 / q) / q)
                                           / r["n"].to_numpy(float), rng)
            slope = _slope(log_n, c["g_eff"].to_numpy())
            low, high = (float(v) for v in np.percentile(boot, [2.5, 97.5]))
            se = (high - low) / 3.92
            a = approach[(approach["law"] == law) & (approach["generator"] == gen) & (approach["m"] == m)] \
                if not approach.empty else approach
            if len(a):  # inverse-variance mean of the per-gain c (the large gains are the noisy ones)
                w = 1.0 / np.maximum(a["c_se"].to_numpy(), 1e-12) ** 2
                c_mean, c_se = float(np.sum(w * a["c"].to_numpy()) / w.sum()), float(1.0 / math.sqrt(w.sum()))
            else:
                c_mean, c_se = math.nan, math.nan
            out.append(EnvelopeFit(
                law=law, generator=gen, m=float(m), slope=slope, slope_low=low, slope_high=high,
                envelope_slope=_slope(log_n, c["envelope"].to_numpy()),
                wide_slope=_slope(log_n, c["g_eff_wide"].to_numpy()),
                wide_low=float(np.percentile(wide, 2.5)), wide_high=float(np.percentile(wide, 97.5)),
                fixed_slope=_slope(log_n, c["g_eff_fixed"].to_numpy()),
                fixed_low=float(np.percentile(fixed, 2.5)), fixed_high=float(np.percentile(fixed, 97.5)),
                g_eff_first=float(c["g_eff"].iloc[0]), g_eff_last=float(c["g_eff"].iloc[-1]),
                envelope_first=float(c["envelope"].iloc[0]), envelope_last=float(c["envelope"].iloc[-1]),
                params_first=float(c["effective_parameters"].iloc[0]),
                params_last=float(c["effective_parameters"].iloc[-1]),
                envelope_z_max=float(c["z"].abs().max()),
                knee_slope=1.0 + slope, knee_low=1.0 + low, knee_high=1.0 + high,
                knee_z_efficient=(slope - 1.0 / m) / se, knee_z_bound=(1.0 + slope - 3.0 / m) / se,
                approach_c=c_mean, approach_c_se=c_se,
                converged=float(block["converged"].mean()),
            ))
        return tuple(out)

    def headline(self) -> EnvelopeHeadline:  # type: ignore[override]  # a typed headline
        """The typed headline (:class:`EnvelopeHeadline`); ``record(study.headline())`` glues it."""
        exact = self._exact()
        return EnvelopeHeadline(
            laws=tuple(dict.fromkeys(exact["law"])), generators=tuple(dict.fromkeys(exact["generator"])),
            m_values=tuple(sorted(float(v) for v in exact["m"].unique())),
            n_values=tuple(sorted(int(v) for v in exact["n"].unique())),
            replicates=int(exact.groupby(["law", "generator", "m", "n"]).size().min()),
            n_q_fixed=self.n_q_fixed, fits=self.fits(),
        )

    def table(self) -> pd.DataFrame:
        """One row per (law, generator, M), from :data:`COLUMNS`."""
        rows = pd.DataFrame([{f.name: getattr(fit, f.name) for f in fields(fit)} for fit in self.fits()])
        return table_from(rows, COLUMNS)

    def plot(self, ax: Any = None, *, law: str | None = None, m: float | None = None) -> Any:
        """``G_eff(∞)`` against N, log-log, one curve per generator (± SE of the replicate mean),
        the efficient-fit envelope (dashed), ``N^{1/M}`` (dotted) and the fixed-N_q factor of the
        fitted model (grey): for one law and one M (default the first of each)."""
        import matplotlib.pyplot as plt

        curve = self.curve()
        law = law if law is not None else str(curve["law"].iloc[0])
        m = float(m) if m is not None else float(curve["m"].min())
        ax = ax if ax is not None else plt.subplots(figsize=(6.4, 4.2))[1]
        sub = curve[(curve["law"] == law) & (curve["m"] == m)]
        if sub.empty:
            raise ValueError(f"no rows for law={law!r}, m={m!r}; laws {sorted(set(curve['law']))}, "
                             f"M {sorted(set(curve['m']))}.")
        for gen, c in sub.groupby("generator", sort=False):
            ax.errorbar(c["n"], c["g_eff"], yerr=c["g_eff_se"], marker="o", ms=4, capsize=2, label=str(gen))
        env = sub.drop_duplicates("n").sort_values("n")
        ax.plot(env["n"], env["envelope"], "k--", lw=1.2, label="envelope (efficient fit)")
        first = float(env["envelope"].iloc[0]) / float(env["n"].iloc[0]) ** (1 / m)
        ax.plot(env["n"], first * env["n"].to_numpy(float) ** (1 / m), "k:", lw=1, label=f"∝ N^(1/{m:g})")
        fitted = sub[sub["generator"] == "fitted"]
        if not fitted.empty:
            ax.plot(fitted["n"], fitted["g_eff_fixed"], color="0.6", marker="s", ms=3, lw=1,
                    label=f"fitted, fixed N_q = {self.n_q_fixed}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training events N")
        ax.set_ylabel("G_eff(∞) on N^(1/M) bins")
        ax.set_title(f"{law}, M = {m:g}", fontsize=10)
        ax.legend(fontsize=7)
        return ax

    def plot_knees(self, ax: Any = None, *, law: str | None = None) -> Any:
        """The knee exponent (slope of ``ln N_G*`` on ``ln N``, 95 % interval) against M for each
        generator, beside ``1 + 1/M`` and ``3/M``."""
        import matplotlib.pyplot as plt

        fits = [f for f in self.fits() if law is None or f.law == law]
        law = law if law is not None else fits[0].law
        fits = [f for f in fits if f.law == law]
        ax = ax if ax is not None else plt.subplots(figsize=(6.4, 4.2))[1]
        generators = list(dict.fromkeys(f.generator for f in fits))
        for i, gen in enumerate(generators):
            mine = [f for f in fits if f.generator == gen]
            ms = np.array([f.m for f in mine]) + 0.04 * (i - len(generators) / 2)
            ks = np.array([f.knee_slope for f in mine])
            err = np.array([[f.knee_slope - f.knee_low for f in mine], [f.knee_high - f.knee_slope for f in mine]])
            ax.errorbar(ms, ks, yerr=err, marker="o", ms=4, capsize=2, ls="none", label=gen)
        grid_m = np.linspace(min(f.m for f in fits) - 0.1, max(f.m for f in fits) + 0.1, 50)
        ax.plot(grid_m, 1 + 1 / grid_m, "k--", lw=1.2, label="1 + 1/M (efficient fit)")
        ax.plot(grid_m, 3 / grid_m, "k:", lw=1.2, label="3/M (chapter 2's reading)")
        ax.set_xlabel("Goldilocks M of the bins")
        ax.set_ylabel("knee exponent (slope of ln N_G* on ln N)")
        ax.set_title(law, fontsize=10)
        ax.legend(fontsize=7)
        return ax


# --------------------------------------------------------------------------------------------------
# the call


def _default_laws() -> dict[str, Any]:
    from scipy import stats

    return {"normal": stats.norm(), "lognormal": stats.lognorm(1.0)}


def envelope_study(
    n_values: Sequence[int] = (100, 400, 1600, 6400, 25_600),
    m_values: Sequence[float] = (2.0, 2.5, 3.0),
    *,
    laws: Mapping[str, Any] | None = None,
    generators: Sequence[str] = ENVELOPE_GENERATORS,
    replicates: int = 24,
    mixture_max_n: int = 1600,
    mixture_replicates: int = 8,
    components: int = 2,
    tol: float = 1e-7,
    max_iter: int = 1500,
    approach_n: Sequence[int] = (400, 1600),
    approach_gains: Sequence[int] = (1, 4, 16, 64),
    approach_replicates: int = 8,
    n_q_fixed: int = 20,
    seed: int = DEFAULT_SEED,
    gan_options: Mapping[str, Any] | None = None,
    flow_options: Mapping[str, Any] | None = None,
    generated_size: int = 1_000_000,
    neural_replicates: int | None = None,
    **engine: Unpack[EngineOptions],
) -> EnvelopeStudy:
    """The amplification factor on ``round(N^{1/M})`` equiprobable bins, for every generator and N.

    Parameters
    ----------
    n_values : sequence of int
        Training sizes N (>= 20 each, at least three).
    m_values : sequence of float
        Goldilocks statistics M > 0 of the bins.
    laws : mapping of str to frozen scipy law, optional
        The truths by name; default ``{"normal": N(0, 1), "lognormal": lognorm(1)}``. The
        ``"fitted"`` generator fits the law's own family (:func:`fitted_parameters`).
    generators : sequence of str
        Out of :data:`ENVELOPE_GENERATORS`, ``"gan"`` and ``"flow"``. The ``"fitted"`` generator
        needs a scipy law; for a mixture of Normals (:class:`ampcore.laws.CamelBack`) the family's
        own fit is ``"gaussian_mixture"`` with as many `components`.
    replicates : int
        Training samples per (law, N, generator) (>= 2); the Gaussian mixture uses
        ``mixture_replicates`` and only ``N <= mixture_max_n`` (EM is the cost).
    mixture_max_n, mixture_replicates : int
        See `replicates`.
    components, tol, max_iter
        The Gaussian mixture: its components and EM's convergence criterion (a change of the mean
        log-likelihood per event below `tol` within `max_iter` iterations; each fit's
        ``converged`` is a column).
    approach_n : sequence of int
        Training sizes (out of `n_values`) at which the generators are also sampled at the gains
        `approach_gains`, on the first `approach_replicates` replicates.
    approach_gains : sequence of int
        Gains G >= 1 of the sampled approach (empty: none).
    approach_replicates : int
        Replicates sampled at finite gain.
    n_q_fixed : int
        The fixed number of bins of the contrast.
    seed : int
        Root seed.
    gan_options, flow_options : mapping, optional
        Options of :class:`ampcore.generators.gan.GAN` and :class:`ampcore.generators.flow.Flow` (not ``seed``: each
        trial derives its own from the stream named after the generator).
    generated_size : int
        Events S drawn from each GAN or flow and counted (>= 10⁴); their counting noise is
        subtracted and kept in the column ``counting_noise``.
    neural_replicates : int, optional
        Training samples per N for the GAN and the flow (default `replicates`; >= 2): their fits
        are the cost.
    **engine
        ``executor``, ``workers``, ``store``, ``progress`` (see :func:`ampcore.studies.run_trials`).
        A process pool compiles the JAX trainers once per worker (unless JAX's persistent cache
        holds them, :mod:`ampcore._jax`); ``workers=1`` compiles them once in all.

    Returns
    -------
    EnvelopeStudy

    Examples
    --------
    >>> study = envelope_study([100, 400, 1600], [2.0], generators=["fitted"], replicates=4,
    ...                        laws=None, approach_n=[], workers=1)
    >>> fit = study.headline().fit("normal", "fitted", 2.0)
    >>> 0.2 < fit.slope < 0.8, round(fit.envelope_slope, 2)
    (True, 0.48)
    """
    ns = [check_int(v, "n_values", minimum=20) for v in check_list(n_values, "n_values")]
    if len(set(ns)) < 3:
        raise ValueError(f"`n_values` must hold at least three distinct sizes to fit a slope; got {ns!r}.")
    ms = [check_positive(v, "m_values") for v in check_list(m_values, "m_values")]
    laws = dict(_default_laws() if laws is None else laws)
    if not laws:
        raise ValueError("`laws` must name at least one law; got an empty mapping.")
    for name, law in laws.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"`laws` keys must be non-empty strings; got {name!r}.")
        check_law(law, f"laws[{name!r}]")
    gens = check_list(generators, "generators")
    allowed = (*ENVELOPE_GENERATORS, *_NEURAL)
    unknown = [g for g in gens if g not in allowed]
    if unknown:
        raise ValueError(f"`generators` must be out of {allowed}; got {unknown!r}.")
    if "fitted" in gens:
        for name, law in laws.items():
            if not hasattr(law, "dist"):
                raise ValueError(f"the generator 'fitted' fits a scipy family; laws[{name!r}] is a "
                                 f"{type(law).__name__} (for a mixture of Normals use 'gaussian_mixture').")
    neural: dict[str, tuple[tuple[str, Any], ...]] = {}
    for gen_name, options in (("gan", gan_options), ("flow", flow_options)):
        if options is None:
            options = {}
        if not isinstance(options, Mapping):
            raise TypeError(f"`{gen_name}_options` must be a dict of options; got {type(options).__name__}.")
        if "seed" in options:
            raise ValueError(f"`{gen_name}_options` must not hold `seed`: each trial derives its own.")
        if gen_name in gens:
            if gen_name == "gan":
                from ..generators.gan import GAN

                GAN(**options)._options()  # a bad name raises TypeError, a bad value ValueError
            else:
                from ..generators.flow import Flow

                Flow(**options)._options()
        neural[gen_name] = tuple(sorted(options.items()))
    generated_size = check_int(generated_size, "generated_size", minimum=10_000)
    neural_replicates = replicates if neural_replicates is None else check_int(neural_replicates, "neural_replicates", minimum=2)
    replicates = check_int(replicates, "replicates", minimum=2)
    mixture_max_n = check_int(mixture_max_n, "mixture_max_n", minimum=20)
    mixture_replicates = check_int(mixture_replicates, "mixture_replicates", minimum=2)
    components = check_int(components, "components", minimum=1)
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    approach = [check_int(v, "approach_n", minimum=20) for v in approach_n]
    missing = [v for v in approach if v not in ns]
    if missing:
        raise ValueError(f"`approach_n` must be out of `n_values` {ns!r}; got {missing!r}.")
    gains = tuple(sorted({check_int(v, "approach_gains", minimum=1) for v in approach_gains}))
    approach_replicates = check_int(approach_replicates, "approach_replicates", minimum=2)
    n_q_fixed = check_int(n_q_fixed, "n_q_fixed", minimum=2)
    if "gaussian_mixture" in gens and len([n for n in ns if n <= mixture_max_n]) < 3:
        raise ValueError(f"`mixture_max_n` = {mixture_max_n} leaves fewer than three sizes of {ns!r} for the mixture.")

    params = {name: fitted_parameters(law) for name, law in laws.items()}
    common = {"m_values": tuple(ms), "n_q_fixed": n_q_fixed, "components": components, "tol": tol,
              "max_iter": max_iter}
    trials: list[Trial] = []
    for name in laws:
        for gen in gens:
            sizes = [n for n in ns if gen != "gaussian_mixture" or n <= mixture_max_n]
            count = mixture_replicates if gen == "gaussian_mixture" else neural_replicates if gen in _NEURAL else replicates
            extra = {"options": neural[gen], "generated_size": generated_size} if gen in _NEURAL else {}
            for t in grid(law=name, n=sizes, replicates=count, seed=seed, generator=gen,
                          params=params[name], **common, **extra):
                sampled = t.n in approach and t.replicate < approach_replicates
                trials.append(t.replace(gains=gains if sampled else ()))
    envelope = {(name, float(m), goldilocks_bins(n, m)): amplification_envelope(laws[name], goldilocks_bins(n, m),
                                                                                params=params[name])
                for name in laws for m in ms for n in ns}

    def cost(t: Trial) -> float:
        if t["generator"] in _NEURAL:
            return 1e6 + float(t["generated_size"])
        return float(t.n) * (20.0 if t["generator"] == "gaussian_mixture" else 1.0) + float(sum(t["gains"]) * t.n)

    rows = run_trials(measure_envelope, trials, context={"laws": laws}, desc="envelope", cost=cost, **engine)
    frame = pd.DataFrame(rows).drop(columns=["m_values", "n_q_fixed", "components", "tol", "max_iter", "params",
                                             "gains", "options"], errors="ignore")
    return EnvelopeStudy(frame, envelope=envelope, seed=seed, n_q_fixed=n_q_fixed)
