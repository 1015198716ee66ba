"""The generator interface: an :class:`Amplifier` is fitted once into a :class:`FittedModel`.

A *generator* (the role) is first an :class:`Amplifier`, which holds its options; its ``fit(x)``
learns from the training sample and returns a *fitted model*, whose ``sample(size, rng=)`` draws events and whose
``amplify(gain, rng=)`` returns an :class:`Amplified` record of ``gain · N`` events. Fitting is
done once, however many samples or gains follow (for a neural generator that is the expensive
part). A fit that stops before its convergence criterion warns with :class:`ConvergenceWarning`.

Provenance: an interface, no formula (each generator states its own: Quoted, Reconstructed or
Standard).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from .._rng import RNGLike
from .._validation import check_int, check_memory

__all__ = ["Amplified", "Amplifier", "FittedModel", "ConvergenceWarning"]


@dataclass(frozen=True)
class Amplified:
    """A generated sample and the recipe that made it.

    Attributes
    ----------
    sample : numpy.ndarray, shape (gain * n_train,) or (gain * n_train, d)
        The generated events (rows are events in d dimensions).
    generator : str
        Name of the generator in the registry (:func:`ampcore.generators.registry.names`), or
        ``"gencopy_multinomial"`` for GenCopy's multinomial variant.
    n_train : int
        Number of training events N.
    gain : int
        Gain G; ``len(sample) == gain * n_train``.
    width : float or None
        GenCopy bin width Δ (None for generators that do not bin).
    origin : float or None
        GenCopy bin origin.
    m : float or None
        Goldilocks statistic used to choose Δ (None when Δ was given directly).
    m_eff : float or None
        Measured M of the *training* sample at Δ (``ln N / Ĥ``).
    bandwidth : float or None
        Kernel bandwidth of the smoothed bootstrap.
    generation : int
        1 for data amplified from real events, 2 for amplified amplified data, and so on.
    """

    sample: np.ndarray = field(repr=False)
    generator: str
    n_train: int
    gain: int
    width: float | None = None
    origin: float | None = None
    m: float | None = None
    m_eff: float | None = None
    bandwidth: float | None = None
    generation: int = 1

    @property
    def n_generated(self) -> int:
        """Number of generated events ``N_G = G · N`` (rows of a d-D sample)."""
        return int(self.sample.shape[0])


def check_gain(gain: Any) -> int:
    return check_int(gain, "gain", minimum=1)


def check_size(size: Any, bytes_each: int = 8) -> int:
    number = check_int(size, "size", minimum=1)
    check_memory(number * bytes_each, name="size", value=number, what=f"{number:.3g} events ({bytes_each} bytes each)")
    return number


STREAM_HINT = "For GenCopy, gencopy_chunks streams the sample a few copies at a time (with kl_divergence_chunks)."


class ConvergenceWarning(UserWarning):
    """A fitted generator stopped before meeting its convergence criterion (its model records ``converged=False``)."""


# --------------------------------------------------------------------------------------------------
# the interface


class FittedModel(abc.ABC):
    """A generator fitted on a training sample: draw events with :meth:`sample`.

    Subclasses are frozen dataclasses that hold what was learnt (a histogram, a bandwidth, fitted
    parameters) and ``n_train``, the number of training events, and implement :meth:`sample`.
    """

    generator: str  # its name in the registry (the records' `generator`)
    n_train: int
    _bytes_per_event = 16  # peak memory of sample(): the result and one temporary of its size

    @abc.abstractmethod
    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """Draw `size` events (a float64 array of shape ``(size,)``, or ``(size, d)`` in d dimensions)."""

    def _record(self) -> dict[str, Any]:
        """Fields of :class:`Amplified` this model fills besides the sample."""
        return {}

    def amplify(self, gain: int, *, rng: RNGLike = None) -> Amplified:
        """``gain · n_train`` events as an :class:`Amplified` record."""
        gain = check_gain(gain)
        check_memory(gain * self.n_train * self._bytes_per_event, name="gain", value=gain,
                     what=f"{gain * self.n_train:.3g} generated events (G N, {self._bytes_per_event} bytes each)",
                     hint=STREAM_HINT)
        return Amplified(
            sample=self.sample(gain * self.n_train, rng=rng),
            generator=self.generator,
            n_train=self.n_train,
            gain=gain,
            **self._record(),
        )


class Amplifier(Protocol):
    """What every generator offers before it is fitted: its registry name and ``fit(x)``.

    ``fit(x)`` learns from the training sample once and returns a :class:`FittedModel`. The role
    is called a *generator* throughout ampcore; ``Amplifier`` is the name of this protocol (the
    unfitted generator, its options), :class:`FittedModel` the fitted one.
    """

    @property
    def name(self) -> str: ...  # pragma: no cover

    def fit(self, x: ArrayLike) -> FittedModel: ...  # pragma: no cover
