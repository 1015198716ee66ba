"""One registry of generators by name: :func:`make`, :func:`names`; and the calls that take a name.

Every generator of :mod:`ampcore.generators` has one name, in snake_case (the class, the shape
of its training sample, and whether its fit draws random numbers from a seed):

* ``gencopy`` — :class:`~ampcore.generators.histogram.GenCopy`, (n,);
* ``gencopy_log`` — :class:`~ampcore.generators.histogram.GenCopyLog`, (n,) of positive values;
* ``bootstrap`` — :class:`~ampcore.generators.histogram.Bootstrap`, (n,);
* ``kde`` — :class:`~ampcore.generators.smooth.KDE`, (n,);
* ``refit_normal`` — :class:`~ampcore.generators.parametric.RefitNormal`, (n,);
* ``gaussian_mixture`` — :class:`~ampcore.generators.parametric.GaussianMixture`, (n,); seeded;
* ``gencopy_cells`` — :class:`~ampcore.generators.cells.GenCopyCells`, (n, d);
* ``kde_cells`` — :class:`~ampcore.generators.cells.KDECells`, (n, d);
* ``radial_fit`` — :class:`~ampcore.generators.cells.RadialFit`, (n, d);
* ``gaussian_fit`` — :class:`~ampcore.generators.cells.GaussianFit`, (n, d);
* ``gan`` — :class:`~ampcore.generators.gan.GAN`, (n,) or (n, d); seeded;
* ``flow`` — :class:`~ampcore.generators.flow.Flow`, (n,) or (n, d); seeded.

``make(name, rng=stream, **options)`` makes one: the options are the generator's own (its
dataclass fields, checked by name here and by value in ``fit``), and for a generator that trains
from a seed (a mixture's k-means start, a GAN's or a flow's training run) the seed is drawn from
the stream `rng`, so a study hands every generator the same kind of argument. :func:`generate` and
:func:`reamplify` take a name. The GAN and the flow are imported only when made (JAX).

Two older spellings are accepted by :func:`make` and :func:`resolve` and mean the same
generator: ``"gencopy-log"`` (``gencopy_log``) and ``"smoothed_bootstrap"`` (``kde``); the gain
study of chapter 5 labels its rows with them. Any other unknown name is refused with the nearest
names.

Provenance: the claim that amplified data cannot be amplified again is Quoted (a summary of
Watts & Crow 2025); the re-amplification experiment of :func:`reamplify` is Reconstructed (ours).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import math
from dataclasses import dataclass, replace
from typing import Any

from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._validation import as_sample_1d, check_bool, check_int, check_memory
from ..information import bin_width
from .base import Amplified, Amplifier, check_gain

__all__ = ["make", "names", "resolve", "generate", "reamplify"]


@dataclass(frozen=True)
class _Entry:
    module: str  # of ampcore.generators
    cls: str
    seeded: bool  # its fit draws random numbers from a `seed` option


_ENTRIES: dict[str, _Entry] = {
    "gencopy": _Entry("histogram", "GenCopy", False),
    "gencopy_log": _Entry("histogram", "GenCopyLog", False),
    "bootstrap": _Entry("histogram", "Bootstrap", False),
    "kde": _Entry("smooth", "KDE", False),
    "refit_normal": _Entry("parametric", "RefitNormal", False),
    "gaussian_mixture": _Entry("parametric", "GaussianMixture", True),
    "gencopy_cells": _Entry("cells", "GenCopyCells", False),
    "kde_cells": _Entry("cells", "KDECells", False),
    "radial_fit": _Entry("cells", "RadialFit", False),
    "gaussian_fit": _Entry("cells", "GaussianFit", False),
    "gan": _Entry("gan", "GAN", True),
    "flow": _Entry("flow", "Flow", True),
}

# older spellings, still accepted (the gain study's row labels use them)
_ALIASES = {"gencopy-log": "gencopy_log", "smoothed_bootstrap": "kde"}


def names() -> tuple[str, ...]:
    """The registered generator names, in the registry's order.

    Examples
    --------
    >>> names()[:4]
    ('gencopy', 'gencopy_log', 'bootstrap', 'kde')
    """
    return tuple(_ENTRIES)


def resolve(name: Any, parameter: str = "generator") -> str:
    """The registered name of generator `name` (an older spelling is mapped to it).

    Raises
    ------
    TypeError
        If `name` is not a string.
    ValueError
        If `name` is not registered; the message names `parameter`, the value and the nearest
        registered names.

    Examples
    --------
    >>> resolve("smoothed_bootstrap"), resolve("gencopy")
    ('kde', 'gencopy')
    >>> try:
    ...     resolve("gencopy_lg")
    ... except ValueError as exc:
    ...     print(str(exc).split("; ")[-1])
    got 'gencopy_lg' (did you mean 'gencopy_log' or 'gencopy'?).
    """
    if not isinstance(name, str):
        raise TypeError(f"`{parameter}` must be a generator name (str); got {type(name).__name__} {name!r}.")
    if name in _ENTRIES:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    close = dict.fromkeys(_ALIASES.get(c, c) for c in difflib.get_close_matches(name, [*_ENTRIES, *_ALIASES], n=3))
    hint = f" (did you mean {' or '.join(repr(c) for c in list(close)[:2])}?)" if close else ""
    allowed = ", ".join(repr(n) for n in _ENTRIES)
    raise ValueError(f"`{parameter}` must be one of {allowed}; got {name!r}{hint}.")


def _generator_class(name: str) -> Any:
    entry = _ENTRIES[name]
    return getattr(importlib.import_module(f".{entry.module}", __package__), entry.cls)


def make(name: str, *, rng: RNGLike = None, **options: Any) -> Amplifier:
    """Make the generator registered as `name`, with its options and a seed stream.

    Parameters
    ----------
    name : str
        One of :func:`names` (or an older spelling, see the module's docstring).
    rng : int, Generator or None
        The stream a generator that trains from a seed (``gaussian_mixture``, ``gan``, ``flow``)
        draws its seed from: ``seed = int(rng.integers(2**31 - 1))``. A generator whose fit draws
        nothing (GenCopy, the bootstrap, the KDE, the refitted Normal, the d-D ones) takes no
        seed and leaves `rng` untouched. Give either `rng` or a ``seed`` option, not both.
    **options
        The generator's own options (the fields of its class), e.g. ``m=2.5`` for GenCopy,
        ``components=2`` for the mixture, ``steps=2000`` for the GAN. Values are checked by
        ``fit``.

    Returns
    -------
    Amplifier
        The unfitted generator: ``make(...).fit(x)`` is its :class:`~ampcore.generators.base.FittedModel`.

    Raises
    ------
    TypeError
        For an option the generator does not have (the message lists the ones it has), or both
        `rng` and ``seed``.
    ValueError
        For an unknown name (with the nearest names).

    Examples
    --------
    >>> import numpy as np
    >>> make("gencopy", m=2.5).name, make("smoothed_bootstrap").name
    ('gencopy', 'kde')
    >>> make("gaussian_mixture", rng=np.random.default_rng(0), components=3).seed
    1826701614
    >>> make("kde", width=0.2)
    Traceback (most recent call last):
    ...
    TypeError: generator 'kde' has no option 'width'; its options are 'bandwidth'.
    """
    name = resolve(name)
    cls = _generator_class(name)
    fields = [f.name for f in dataclasses.fields(cls)]
    unknown = [key for key in options if key not in fields]
    if unknown:
        have = ", ".join(repr(f) for f in fields) if fields else "none"
        plural = "s" if len(unknown) > 1 else ""
        raise TypeError(f"generator {name!r} has no option{plural} {', '.join(repr(u) for u in unknown)}; "
                        f"its options are {have}.")
    if _ENTRIES[name].seeded and rng is not None:
        if "seed" in options:
            raise TypeError(f"generator {name!r}: give `rng` (a stream its seed is drawn from) or `seed`, not both.")
        options["seed"] = int(normalize_rng(rng).integers(2**31 - 1))
    generator: Amplifier = cls(**options)
    return generator


def generate(x: ArrayLike, gain: int, *, generator: str = "gencopy", rng: RNGLike = None, **options: Any) -> Amplified:
    """Generate ``gain · len(x)`` events from `x` with the generator named `generator`.

    ``make(generator, **options).fit(x).amplify(gain, rng=rng)``: `rng` draws the events; a
    generator that trains from a seed takes it as the option ``seed``.

    Examples
    --------
    >>> generate([0.0, 0.5, 1.0, 1.7], 3, generator="gencopy", width=0.5, rng=0).n_generated
    12
    """
    gain = check_gain(gain)
    return make(generator, **options).fit(x).amplify(gain, rng=rng)


def reamplify(
    x: ArrayLike,
    gain: int,
    *,
    generations: int,
    generator: str = "gencopy",
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
    generator : str
        A generator's name (:func:`names`).
    moving_origin : bool
        GenCopy only: draw each generation's bin origin as ``min(sample) − U·Δ`` with
        ``U ~ Uniform(0, 1)`` instead of ``min(sample)``, so bin edges do not line up from one
        generation to the next.
    rng : int, Generator or None
    **options
        The generator's options (for GenCopy typically ``m=...``: Δ is then recomputed from
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
    generator = resolve(generator)
    moving_origin = check_bool(moving_origin, "moving_origin")
    kept, last = 0.0, float(current.size)  # the chain keeps every generation's sample
    for _ in range(generations):
        last = last * gain if kept < 1e30 else math.inf
        kept += last
    check_memory(8 * kept + 16 * last, name="generations", value=generations,
                 what=f"{kept:.3g} events in the chain (len(x) * gain**g for g = 1..{generations})",
                 hint="Use gain=1 for long chains, or fewer generations.")
    if moving_origin and generator != "gencopy":
        raise ValueError(f"`moving_origin` applies to generator='gencopy' only; got generator={generator!r}.")
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
        out = generate(current, gain, generator=generator, rng=gen, **step)
        chain.append(replace(out, generation=g))
        current = out.sample
    return chain
