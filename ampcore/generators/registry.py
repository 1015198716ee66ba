"""Generators by name, and the calls that take a name: :func:`generate` and :func:`reamplify`.

Provenance: the claim that amplified data cannot be amplified again is Quoted (a summary of
Watts & Crow 2025); the re-amplification experiment of :func:`reamplify` is Reconstructed (ours).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._validation import as_sample_1d, check_bool, check_choice, check_int, check_memory
from ..information import bin_width
from .base import Amplified, FittedModel, check_gain
from .histogram import Bootstrap, GenCopy, GenCopyLog
from .parametric import GaussianMixture, RefitNormal
from .smooth import KDE

__all__ = ["generate", "reamplify", "AMPLIFIERS"]


AMPLIFIERS: dict[str, Callable[..., Any]] = {
    "gencopy": GenCopy,
    "gencopy-log": GenCopyLog,
    "bootstrap": Bootstrap,
    "smoothed_bootstrap": KDE,
    "refit_normal": RefitNormal,
    "gaussian_mixture": GaussianMixture,
}
"""The amplifiers by name: each value makes an amplifier from its keyword options."""


def generate(x: ArrayLike, gain: int, *, amplifier: str = "gencopy", rng: RNGLike = None, **options: Any) -> Amplified:
    """Generate ``gain · len(x)`` events from `x` with the amplifier named `amplifier`.

    ``AMPLIFIERS[amplifier](**options).fit(x).amplify(gain, rng=rng)``.

    Examples
    --------
    >>> generate([0.0, 0.5, 1.0, 1.7], 3, amplifier="gencopy", width=0.5, rng=0).n_generated
    12
    """
    check_choice(amplifier, "amplifier", AMPLIFIERS)
    gain = check_gain(gain)
    try:
        maker = AMPLIFIERS[amplifier](**options)
    except TypeError as exc:
        raise TypeError(f"amplifier {amplifier!r} does not take these options {sorted(options)}: {exc}") from exc
    model: FittedModel = maker.fit(x)
    return model.amplify(gain, rng=rng)


def reamplify(
    x: ArrayLike,
    gain: int,
    *,
    generations: int,
    amplifier: str = "gencopy",
    moving_origin: bool = False,
    rng: RNGLike = None,
    **options: Any,
) -> list[Amplified]:
    """Amplify again and again: generation g is trained on generation g−1's output.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real training events.
    gain : int
        Gain per generation; generation g has ``gain**g · n`` events (use ``gain=1`` for long
        chains of same-size samples, as in model-collapse studies).
    generations : int
        Number of generations, >= 1.
    amplifier : str
        A key of :data:`AMPLIFIERS`.
    moving_origin : bool
        GenCopy only: draw each generation's bin origin as ``min(sample) − U·Δ`` with
        ``U ~ Uniform(0, 1)`` instead of ``min(sample)``, so bin edges do not line up from one
        generation to the next.
    rng : int, Generator or None
    **options
        The amplifier's options (for GenCopy typically ``m=...``: Δ is then recomputed from
        each generation's own size and entropy estimate, as a user who forgot the data were
        amplified would do).

    Returns
    -------
    list of Amplified
        One record per generation, ``generation`` = 1, 2, ….

    Notes
    -----
    Provenance: the claim that amplified data cannot be amplified again is Quoted (a summary of
    Watts & Crow 2025); this experiment design is Reconstructed (ours).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=200)
    >>> chain = reamplify(x, 2, generations=3, m=2.5, rng=1)
    >>> [c.n_generated for c in chain], [c.generation for c in chain]
    ([400, 800, 1600], [1, 2, 3])
    """
    current = as_sample_1d(x, "x", min_size=2)
    gain = check_gain(gain)
    generations = check_int(generations, "generations", minimum=1)
    check_choice(amplifier, "amplifier", AMPLIFIERS)
    moving_origin = check_bool(moving_origin, "moving_origin")
    kept, last = 0.0, float(current.size)  # the chain keeps every generation's sample
    for _ in range(generations):
        last = last * gain if kept < 1e30 else math.inf
        kept += last
    check_memory(8 * kept + 16 * last, name="generations", value=generations,
                 what=f"{kept:.3g} events in the chain (len(x) * gain**g for g = 1..{generations})",
                 hint="Use gain=1 for long chains, or fewer generations.")
    if moving_origin and amplifier != "gencopy":
        raise ValueError(f"`moving_origin` applies to amplifier='gencopy' only; got amplifier={amplifier!r}.")
    if moving_origin and (options.get("m") is None) == (options.get("width") is None):
        raise ValueError(
            "`moving_origin` needs exactly one of `m` (Goldilocks statistic) and `width`; "
            f"got m={options.get('m')!r}, width={options.get('width')!r}."
        )
    gen = normalize_rng(rng)
    chain: list[Amplified] = []
    for g in range(1, generations + 1):
        step = dict(options)
        if moving_origin:
            width = step.get("width")
            if width is None:
                width = bin_width(current, step.pop("m"))
                step["width"] = width
            step["origin"] = float(current.min()) - gen.random() * width
        out = generate(current, gain, amplifier=amplifier, rng=gen, **step)
        chain.append(replace(out, generation=g))
        current = out.sample
    return chain



# --------------------------------------------------------------------------------------------------
# the GAN (ampcore.gan) and the normalising flow (ampcore.flow), registered lazily: JAX is
# imported only when one is trained


def _gan(**options: Any) -> Any:
    """``ampcore.generators.gan.GAN(**options)``, imported on first use (see :class:`ampcore.generators.gan.GAN`)."""
    from .gan import GAN

    return GAN(**options)


AMPLIFIERS["gan"] = _gan


def _flow(**options: Any) -> Any:
    """``ampcore.generators.flow.Flow(**options)``, imported on first use (see :class:`ampcore.generators.flow.Flow`)."""
    from .flow import Flow

    return Flow(**options)


AMPLIFIERS["flow"] = _flow
