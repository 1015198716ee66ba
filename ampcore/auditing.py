"""Audit a generated sample (`ampcore.audit`, the `ampcore audit` command): what it can and cannot claim.

Use :func:`audit` with the training sample and the generated sample of any generator (a GAN, a
flow, GenCopy, ...) and, if you have one, the true law or a large holdout sample. It answers in one
frozen :class:`Audit`, with :meth:`Audit.table` (a table to print), :meth:`Audit.plot` (a figure)
and :meth:`Audit.html` (a standalone report):

* the gain ``G = N_G / N`` and Watts & Crow's bound ``N_G >= N^(3/2)``;
* the measured M of the generated sample at the training bin width Δ, against what a generator
  that carries the training information would show;
* the kNN divergence of the generated sample from the truth, beside that of a same-size MC (or
  holdout) sample, which is what a perfect generator would score;
* GANplifying's amplification factor at several numbers of quantiles, with the range that N true
  events would score 90 % of the time;
* the naive and the realistic error of a tail fraction estimated from the generated events;
* exact copies of training events and ties inside the generated sample.

The command ``ampcore audit TRAIN.npy GEN.npy --law norm -o report.html`` runs it on files.

Provenance:

* the bound ``2 ln N_G >= 3 ln N`` is **Quoted** (Watts & Crow 2025, abstract); the measured M
  ``ln N / Ĥ`` at Δ is from the authors' 2022 paper; the expected ``M_G = M_N ln N_G / ln N`` of a
  generator that follows the truth at Δ is **Reconstructed** (ours);
* the kNN divergence is FNN's (:func:`ampcore.divergence.kl_divergence`, Standard);
* the amplification factor is as in :mod:`ampcore.ampfactor`; the 90 % range of ``G_eff`` for N
  true events, ``(N_q − 1)/χ²`` with ``χ²`` of ``N_q − 1`` degrees of freedom, is **Standard**
  (Pearson's statistic is ``N_q² N · qMSE``) and its use here Reconstructed;
* the tail errors: ``sqrt(f(1 − f)/n)`` is Standard (binomial); taking ``n = N`` (the training
  events) as the realistic error of an estimate from generated events is **Reconstructed** (the
  generated events inherit the training sample's fluctuation, chapter 7 of the book); a
  generator that adds the right assumptions can do better, a poor one worse.
"""

from __future__ import annotations

import base64
import html as _html
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._rng import RNGLike, normalize_rng
from ._validation import check_int, check_law, check_positive
from .ampfactor import resolve_n_q

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["Audit", "audit"]

_TAIL = 0.95  # the tail fraction audited: events above the 95 % point of the truth


def _as_events(x: ArrayLike, name: str) -> np.ndarray:
    """`x` as a finite float64 array of shape (n,) or (n, d)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - ragged input on some numpy versions
        raise TypeError(f"`{name}` must be an array of real numbers; got {type(x).__name__}.") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"`{name}` must be an array of real numbers; got dtype {arr.dtype}.")
    if np.iscomplexobj(arr):
        raise TypeError(f"`{name}` must be real-valued; got dtype {arr.dtype}.")
    if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] < 1):
        raise ValueError(f"`{name}` must be 1-D (n,) or 2-D (n, d); got shape {arr.shape}.")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.flatnonzero(bad.reshape(arr.shape[0], -1).any(axis=1))[0])
        raise ValueError(f"`{name}` must be finite; got {int(bad.sum())} NaN or infinite value(s) (first in row {row}).")
    return arr


def _rows(a: np.ndarray) -> np.ndarray:
    """Each row of `a` as one opaque value (for exact-duplicate counting in d dimensions)."""
    b = np.ascontiguousarray(a.reshape(a.shape[0], -1))
    return b.view(np.dtype((np.void, b.dtype.itemsize * b.shape[1]))).ravel()


@dataclass(frozen=True)
class Audit:
    """The answers of :func:`audit` (numbers as attributes; see :meth:`table`).

    Attributes
    ----------
    n_train, n_generated, dim : int
        Training events N, generated events N_G, dimension d.
    gain : float
        ``N_G / N``.
    bound_n_generated : float
        ``N^(3/2)``, the fewest generated events the bound asks for.
    bound_holds : bool
        Whether ``2 ln N_G >= 3 ln N``.
    truth : str
        ``"law <name>"``, ``"reference (holdout) sample"`` or ``"none"``.
    m, width, origin : float
        The Goldilocks M of the training bin width Δ, Δ and its origin (1-D only; NaN otherwise).
    m_train, m_generated, m_expected : float
        Measured M of the training and generated samples at Δ, and ``m_train · ln N_G / ln N``.
    k : int
        Neighbour order of the kNN divergences.
    kld_generated, kld_baseline, kld_training : float
        ``D_k(·‖reference)`` in nats of the generated sample, of the same-size MC or holdout
        baseline, and of the training sample (NaN without a truth).
    kld_size : int
        Events of the generated and baseline samples in the divergence (a holdout caps it).
    baseline : str
        What the baseline is.
    n_qs, g_eff, g_eff_train, g_range_low, g_range_high : tuple of float
        Per number of quantiles: the amplification factor of the generated and of the training
        sample, and the 90 % range of ``G_eff`` for N true events (1-D with a truth only).
    tail_cut, tail_true, tail_generated, tail_training : float
        The cut (95 % point of the truth, else of the training sample) and the fraction above it.
    tail_naive_error, tail_realistic_error : float
        ``sqrt(f(1 − f)/N_G)`` and ``sqrt(f(1 − f)/N)``.
    copies : int
        Generated events equal to a training event.
    ties : int
        Generated events that repeat another generated event.
    notes : tuple of str
        What could not be computed, and why.
    """

    n_train: int
    n_generated: int
    dim: int
    gain: float
    bound_n_generated: float
    bound_holds: bool
    truth: str
    m: float
    width: float
    origin: float
    m_train: float
    m_generated: float
    m_expected: float
    k: int
    kld_generated: float
    kld_baseline: float
    kld_training: float
    kld_size: int
    baseline: str
    n_qs: tuple[int, ...]
    g_eff: tuple[float, ...]
    g_eff_train: tuple[float, ...]
    g_range_low: tuple[float, ...]
    g_range_high: tuple[float, ...]
    tail_cut: float
    tail_true: float
    tail_generated: float
    tail_training: float
    tail_naive_error: float
    tail_realistic_error: float
    copies: int
    ties: int
    notes: tuple[str, ...] = ()
    train: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    generated: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    law: Any = field(repr=False, default=None)

    def headline(self) -> dict[str, Any]:
        """The numbers as a flat dict (for records and tests)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in (
            "n_train", "n_generated", "gain", "bound_n_generated", "bound_holds", "m_train", "m_generated",
            "m_expected", "kld_generated", "kld_baseline", "kld_training", "tail_generated", "tail_true",
            "tail_naive_error", "tail_realistic_error", "copies", "ties")}
        out["g_eff"] = {str(q): g for q, g in zip(self.n_qs, self.g_eff)}
        out["g_range_high"] = {str(q): g for q, g in zip(self.n_qs, self.g_range_high)}
        return out

    def table(self) -> pd.DataFrame:
        """The audit as a table: columns ``check``, ``value`` (text) and ``what it means``."""
        import pandas as pd

        def num(v: float, digits: int = 4) -> str:
            return "n/a" if not math.isfinite(v) else f"{v:.{digits}f}"

        rows: list[tuple[str, str, str]] = [
            ("training events N", f"{self.n_train:,}", f"dimension {self.dim}"),
            ("generated events N_G", f"{self.n_generated:,}", ""),
            ("gain G = N_G / N", f"{self.gain:,.2f}", f"the bound asks for G >= sqrt(N) = {math.sqrt(self.n_train):.1f}"),
            ("bound 2 ln N_G >= 3 ln N", "holds" if self.bound_holds else "does NOT hold",
             f"N^(3/2) = {self.bound_n_generated:,.0f} generated events"),
            ("training bin width Δ", num(self.width), f"Goldilocks M = {self.m:g} on the training sample"),
            ("measured M of training at Δ", num(self.m_train, 3), "ln N / H at Δ"),
            ("measured M of generated at Δ", num(self.m_generated, 3),
             f"a generator carrying the training information: {num(self.m_expected, 3)} (>= 3 past the bound)"),
            (f"kNN KLD D_{self.k}(generated||truth)", num(self.kld_generated), f"nats, {self.kld_size:,} events"),
            (f"kNN KLD D_{self.k}(baseline||truth)", num(self.kld_baseline), f"nats: {self.baseline}"),
            (f"kNN KLD D_{self.k}(training||truth)", num(self.kld_training), f"nats, {self.n_train:,} events"),
        ]
        for q, g, gt, lo, hi in zip(self.n_qs, self.g_eff, self.g_eff_train, self.g_range_low, self.g_range_high):
            verdict = "beats N true events (5 % level)" if g > hi else "within what N true events score"
            rows.append((f"amplification factor, N_q = {q}", num(g, 2),
                         f"training sample {num(gt, 2)}; N true events: 90 % in [{num(lo, 2)}, {num(hi, 2)}]; {verdict}"))
        rows += [
            (f"tail fraction above {num(self.tail_cut, 3)}", num(self.tail_generated),
             f"truth {num(self.tail_true)}; training {num(self.tail_training)}"),
            ("  naive error (N_G events)", num(self.tail_naive_error), "treats generated events as independent"),
            ("  realistic error (N events)", num(self.tail_realistic_error),
             f"the training sample's; {self.tail_realistic_error / self.tail_naive_error:.1f}x the naive one"
             if self.tail_naive_error > 0 else "the training sample's"),
            ("exact copies of training events", f"{self.copies:,}", f"{self.copies / self.n_generated:.2%} of generated"),
            ("ties inside the generated sample", f"{self.ties:,}", "a kNN divergence is +inf/nan with ties"),
        ]
        return pd.DataFrame(rows, columns=["check", "value", "what it means"])

    def plot(self) -> Figure:
        """A 2 × 2 figure: the samples, the amplification factor, the divergences, the tail fraction."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 2, figsize=(10.0, 7.0))
        ax = axes[0, 0]
        if self.dim == 1:
            both = np.concatenate([self.train, self.generated])
            lo, hi = np.quantile(both, [0.001, 0.999])
            edges = np.linspace(lo, hi, 61)
            ax.hist(self.generated, bins=edges, density=True, histtype="step", lw=1.4, label=f"generated ({self.n_generated:,})")
            ax.hist(self.train, bins=edges, density=True, histtype="step", lw=1.4, label=f"training ({self.n_train:,})")
            if self.law is not None:
                grid = np.linspace(lo, hi, 400)
                ax.plot(grid, self.law.pdf(grid), color="k", lw=0.9, label="true density")
            ax.set_xlabel("x")
            ax.set_ylabel("density")
            ax.legend(fontsize=8)
        else:
            ax.scatter(self.generated[:2000, 0], self.generated[:2000, 1], s=2, alpha=0.4, label="generated")
            ax.scatter(self.train[:, 0], self.train[:, 1], s=4, color="C1", label="training")
            ax.set_xlabel("x[0]")
            ax.set_ylabel("x[1]")
            ax.legend(fontsize=8)
        ax = axes[0, 1]
        if self.n_qs:
            q = np.asarray(self.n_qs)
            ax.fill_between(q, self.g_range_low, self.g_range_high, color="0.85", label="90 % of N true events")
            ax.plot(q, self.g_eff, "o-", label="generated")
            ax.plot(q, self.g_eff_train, "s--", label="training sample")
            ax.axhline(1.0, color="0.4", lw=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.minorticks_off()
            ax.set_xticks(q, [str(v) for v in q])
            ticks = [t for t in (0.25, 0.5, 1, 2, 4, 8, 16, 32) if min(self.g_range_low) / 1.5 <= t <= 1.5 * max(*self.g_eff, *self.g_range_high)]
            ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
            ax.legend(fontsize=8)
        ax.set_xlabel("quantiles N_q")
        ax.set_ylabel("amplification factor n_equiv / N")
        ax = axes[1, 0]
        values = [self.kld_generated, self.kld_baseline, self.kld_training]
        shown = [v if math.isfinite(v) else 0.0 for v in values]
        ax.bar(["generated", "baseline", "training"], shown, color=["C0", "0.5", "C1"])
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_ylabel(f"kNN KLD D_{self.k}(·‖truth) (nats)")
        ax = axes[1, 1]
        ax.errorbar([0], [self.tail_generated], yerr=[self.tail_naive_error], fmt="o", capsize=4, label="generated, naive error")
        ax.errorbar([1], [self.tail_generated], yerr=[self.tail_realistic_error], fmt="o", capsize=4, label="generated, realistic error")
        ax.errorbar([2], [self.tail_training], yerr=[self.tail_realistic_error], fmt="s", capsize=4, label="training")
        if math.isfinite(self.tail_true):
            ax.axhline(self.tail_true, color="k", lw=0.9, ls="--", label="truth")
        ax.set_xticks([0, 1, 2], ["naive", "realistic", "training"])
        ax.set_ylabel("tail fraction")
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    def html(self, *, title: str = "ampcore audit") -> str:
        """A standalone HTML report: the table, the figure (embedded PNG) and the notes."""
        import matplotlib.pyplot as plt

        fig = self.plot()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        image = base64.b64encode(buffer.getvalue()).decode("ascii")
        notes = "".join(f"<li>{_html.escape(n)}</li>" for n in self.notes)
        table = self.table().to_html(index=False, escape=True, border=0)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}"
            "td,th{padding:0.2em 0.8em;text-align:left}tr:nth-child(even){background:#f3f3f3}</style></head><body>"
            f"<h1>{_html.escape(title)}</h1><p>Truth: {_html.escape(self.truth)}. Every number is computed by "
            "ampcore (see <code>help(ampcore.audit)</code> for the formulas and their provenance).</p>"
            f"{table}<h2>Figures</h2><img alt=\"audit figures\" src=\"data:image/png;base64,{image}\">"
            + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
            + "</body></html>\n"
        )


def audit(
    train: ArrayLike,
    generated: ArrayLike,
    *,
    law: Any = None,
    reference: ArrayLike | None = None,
    m: float = 2.0,
    n_qs: tuple[int | str, ...] = (5, 10, 20, 50),
    k: int = 5,
    reference_size: int = 200_000,
    rng: RNGLike = None,
    progress: Callable[[str], None] | None = None,
) -> Audit:
    """Audit a generated sample against its training sample (and the truth, if known).

    Parameters
    ----------
    train : array_like, shape (n,) or (n, d)
        The N training events the generator learnt from (n >= 10).
    generated : array_like, shape (n_g,) or (n_g, d)
        Its output; ``n_g >= n`` and the same dimension d.
    law : Law, optional
        The true law (1-D): the reference of the divergence and the MC baseline are drawn from it.
    reference : array_like, optional
        A large holdout sample of the truth instead (same dimension); split at random into a
        same-size baseline and the reference. Give at most one of `law` and `reference`.
    m : float
        Goldilocks statistic of the training bin width Δ (default 2, the bound's M_N).
    n_qs : tuple of int or "goldilocks"
        Numbers of quantiles of the amplification factor; ``"goldilocks"`` stands for
        ``round(N^{1/M})`` equiprobable bins (:func:`ampcore.ampfactor.resolve_n_q`).
    k : int
        Neighbour order of the kNN divergence (``k < n``).
    reference_size : int
        Size of the MC reference drawn from `law`.
    rng : int, Generator or None
        Random source of the MC draws and of the holdout split.
    progress : callable, optional
        Called with a short message before each long step (the command line prints them).

    Returns
    -------
    Audit

    Raises
    ------
    TypeError, ValueError
        Bad samples (not numeric, NaN/inf, wrong shape, generated smaller than training,
        mismatched dimensions), both `law` and `reference`, or bad options.

    Notes
    -----
    Provenance: see the module docstring.

    Examples
    --------
    >>> from scipy import stats
    >>> from ampcore.amplify import gencopy
    >>> x = stats.norm.rvs(size=400, random_state=np.random.default_rng(1))
    >>> out = audit(x, gencopy(x, 50, m=2.0, rng=2).sample, law=stats.norm(), rng=3)
    >>> out.gain, out.bound_holds, out.copies, round(out.tail_realistic_error / out.tail_naive_error, 2)
    (50.0, True, 0, 7.07)
    """
    say = progress or (lambda message: None)
    x = _as_events(train, "train")
    g = _as_events(generated, "generated")
    if x.ndim != g.ndim or (x.ndim == 2 and x.shape[1] != g.shape[1]):
        raise ValueError(f"`train` and `generated` must have the same dimension; got shapes {x.shape} and {g.shape}.")
    n, n_g = int(x.shape[0]), int(g.shape[0])
    if n < 10:
        raise ValueError(f"`train` must hold at least 10 events; got {n}.")
    if n_g < n:
        raise ValueError(f"`generated` ({n_g:,} events) must be at least as large as `train` ({n:,}): "
                         "an amplified sample has N_G >= N.")
    if law is not None and reference is not None:
        raise ValueError("Give at most one of `law` (the true law) and `reference` (a holdout sample).")
    m = check_positive(m, "m")
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(f"`k` must be < the training size {n}; got {k}.")
    reference_size = check_int(reference_size, "reference_size", minimum=100)
    q_list = tuple(sorted({resolve_n_q(q, n, m=m) if isinstance(q, str) else check_int(q, "n_qs", minimum=2)
                           for q in n_qs}))
    one_d = x.ndim == 1
    if law is not None:
        check_law(law)
        if not one_d:
            raise ValueError(f"`law` describes 1-D data; the samples have shape {x.shape}. Give a `reference` sample.")
    ref = None if reference is None else _as_events(reference, "reference")
    if ref is not None and (ref.ndim != x.ndim or (ref.ndim == 2 and ref.shape[1] != x.shape[1])):
        raise ValueError(f"`reference` must have the dimension of the samples; got shape {ref.shape}, samples {x.shape}.")
    if ref is not None and ref.shape[0] < 2 * max(k + 1, 100):
        raise ValueError(f"`reference` must hold at least {2 * max(k + 1, 100)} events; got {ref.shape[0]}.")
    gen = normalize_rng(rng)
    notes: list[str] = []
    flat_x = x if one_d else x[:, 0]

    from .ampfactor import amplification_factor
    from .bound import min_generated_events, satisfies_bound
    from .divergence import kl_divergence
    from .information import bin_width, effective_m
    from .laws import law_name

    # the bound and the measured M at the training resolution
    width = origin = m_train = m_generated = m_expected = math.nan
    if one_d:
        say("measured M at the training bin width")
        width = bin_width(x, m)
        origin = float(x.min())
        m_train = effective_m(x, width, origin=origin)
        m_generated = effective_m(g, width, origin=origin)
        m_expected = m_train * math.log(n_g) / math.log(n)
    else:
        notes.append("The measured M at Δ and the amplification factor are defined here for 1-D samples only.")

    # the divergences
    kld_generated = kld_baseline = kld_training = math.nan
    kld_size, baseline, truth = n_g, "none", "none"
    truth_sample: np.ndarray | None = None
    if law is not None:
        truth = f"law {law_name(law)}"
        say(f"drawing the MC reference ({reference_size:,} events) and a same-size MC baseline ({n_g:,})")
        truth_sample = np.sort(np.asarray(law.rvs(size=reference_size, random_state=gen), dtype=np.float64))
        base = np.asarray(law.rvs(size=n_g, random_state=gen), dtype=np.float64)
        baseline = f"an MC sample of the same size ({n_g:,} events)"
        compared = g
    elif ref is not None:
        truth = "reference (holdout) sample"
        order = gen.permutation(ref.shape[0])
        size = min(n_g, ref.shape[0] // 2)
        base, truth_sample = ref[order[:size]], ref[order[size:]]
        compared = g if size == n_g else g[gen.choice(n_g, size=size, replace=False)]
        kld_size = size
        baseline = f"a holdout of {size:,} reference events (the other {truth_sample.shape[0]:,} are the reference)"
        if size < n_g:
            notes.append(f"The holdout caps the divergence at {size:,} events: a random {size:,} of the generated "
                         "events are compared with as many holdout events.")
    else:
        notes.append("No truth given (--law or --reference): the divergences, the amplification factor and the "
                     "true tail fraction cannot be computed.")
    if truth_sample is not None:
        say(f"kNN divergences (k = {k}) of the generated, baseline and training samples")
        ties_seen = False
        import warnings

        from .divergence import TieWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TieWarning)
            kld_generated = float(kl_divergence(compared, truth_sample, k)[k - 1])
            kld_baseline = float(kl_divergence(base, truth_sample, k)[k - 1])
            kld_training = float(kl_divergence(x, truth_sample, k)[k - 1])
            ties_seen = any(issubclass(w.category, TieWarning) for w in caught)
        if ties_seen:
            notes.append("Exact ties make some kNN distances zero, so a divergence is +inf, -inf or nan (FNN's rule).")

    # the amplification factor
    g_eff: list[float] = []
    g_train: list[float] = []
    lows: list[float] = []
    highs: list[float] = []
    if one_d and truth_sample is not None:
        from scipy import stats

        say(f"amplification factor at N_q = {', '.join(map(str, q_list))}")
        truth_kw: dict[str, Any] = {"law": law} if law is not None else {"reference": truth_sample}
        for q in q_list:
            g_eff.append(amplification_factor(g, n, n_q=q, **truth_kw).gain)
            g_train.append(amplification_factor(x, n, n_q=q, **truth_kw).gain)
            dof = q - 1
            lows.append(dof / float(stats.chi2.ppf(0.95, dof)))
            highs.append(dof / float(stats.chi2.ppf(0.05, dof)))
        shown_qs = q_list
    else:
        shown_qs = ()

    # the tail fraction: above the 95 % point of the truth (else of the training sample)
    if law is not None:
        cut, tail_true = float(law.ppf(_TAIL)), 1.0 - _TAIL
    elif truth_sample is not None:
        ref_flat = truth_sample if truth_sample.ndim == 1 else truth_sample[:, 0]
        cut = float(np.quantile(ref_flat, _TAIL))
        tail_true = float(np.mean(ref_flat > cut))
    else:
        cut, tail_true = float(np.quantile(flat_x, _TAIL)), math.nan
    if not one_d:
        notes.append("The tail fraction is taken on the first coordinate.")
    flat_g = g if one_d else g[:, 0]
    f_gen = float(np.mean(flat_g > cut))
    f_train = float(np.mean(flat_x > cut))
    naive = math.sqrt(f_gen * (1 - f_gen) / n_g)
    realistic = math.sqrt(f_gen * (1 - f_gen) / n)

    # copies and ties
    say("exact copies and ties")
    rows_g, rows_x = (g, x) if one_d else (_rows(g), _rows(x))
    copies = int(np.isin(rows_g, np.unique(rows_x)).sum())
    ties = int(n_g - np.unique(rows_g).size)

    return Audit(
        n_train=n, n_generated=n_g, dim=1 if one_d else int(x.shape[1]), gain=n_g / n,
        bound_n_generated=float(min_generated_events(n)), bound_holds=bool(satisfies_bound(n, n_g)), truth=truth,
        m=m, width=width, origin=origin, m_train=m_train, m_generated=m_generated, m_expected=m_expected, k=k,
        kld_generated=kld_generated, kld_baseline=kld_baseline, kld_training=kld_training, kld_size=int(kld_size),
        baseline=baseline, n_qs=tuple(shown_qs), g_eff=tuple(g_eff), g_eff_train=tuple(g_train),
        g_range_low=tuple(lows), g_range_high=tuple(highs), tail_cut=cut, tail_true=tail_true,
        tail_generated=f_gen, tail_training=f_train, tail_naive_error=naive, tail_realistic_error=realistic,
        copies=copies, ties=ties, notes=tuple(notes), train=x, generated=g, law=law,
    )
