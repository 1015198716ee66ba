"""A normalising flow: a masked autoregressive flow of rational-quadratic splines (flowjax, JAX).

Use :class:`Flow` as any other generator (:mod:`ampcore.generators`): ``Flow(...).fit(x)`` learns
the training sample's density once by maximum likelihood and returns a :class:`FlowModel`, whose
``sample(size, rng=)`` draws as many events as you like (Normal noise from *our* numpy
generator, pushed through the learnt bijection) and whose ``amplify(gain, rng=)`` returns an
:class:`~ampcore.generators.Amplified` record. ``x`` may be 1-D, shape ``(n,)``, or d-D, shape
``(n, d)``. Unlike the GAN, a flow has a density: :meth:`FlowModel.logpdf` evaluates it, so its
divergence from the truth can be computed exactly.

Training stops by a stated criterion: the mean negative log-likelihood of a held-out validation
split has not improved for `patience` epochs (early stopping). A fit that reaches `max_epochs`
first is recorded as ``converged=False`` and warns (:class:`~ampcore.generators.base.ConvergenceWarning`),
and so is a fit whose validation loss never improved on the untrained flow's (early stopping from
the first epoch keeps the initial parameters).
The training and validation loss curves are kept (:meth:`FlowModel.curve`) for a figure.

JAX, flowjax and optax are imported only when a flow is trained or sampled, so ``import
ampcore`` stays light (the registry imports it only when ``make("flow")`` is
called). They are optional: ``pip install "ampcore[gan]"``.

Provenance:

* the masked autoregressive flow is **Standard** (Papamakarios, Pavlakou & Murray 2017,
  arXiv:1705.07057), its transformer the rational-quadratic spline of **Standard** neural spline
  flows (Durkan, Bekasov, Murray & Papamakarios 2019, arXiv:1906.04032), both as implemented by
  flowjax (Ward 2023, version 19); maximum-likelihood training with Adam (Kingma & Ba 2015) and early
  stopping on a validation split are **Standard**;
* the standardisation of the inputs, the architecture's defaults, the stopping rule's constants
  and the derivation of random numbers are **Reconstructed** (ours).
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._jax import use_compilation_cache
from .._validation import as_points, check_int, check_memory, check_positive
from .base import ConvergenceWarning, FittedModel

__all__ = ["Flow", "FlowModel"]

# Training and validation rows are padded to a power of two at least this large, so one compiled
# trainer serves every N up to about 5000 (a compilation costs seconds, a fit at the defaults
# about one). Padding the training rows costs nothing (minibatches index the real rows); padding
# the validation rows costs one evaluation per padded row and epoch.
_TRAIN_ROWS = 4096
_VAL_ROWS = 1024
# The loss history is kept in an array of a power of two rows, at least this many (>= max_epochs).
_EPOCH_ROWS = 1024
# Events per call of the compiled sampler (the last call is padded): bounds its memory.
_SAMPLE_CHUNK = 2**15


@functools.lru_cache(maxsize=16)
def _template(config: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(treedef of the trainable leaves, static part)`` of the flow of one configuration."""
    import jax

    flow = _build(config, jax.random.key(0))
    params, static = _partition(flow)
    return jax.tree_util.tree_structure(params), static


def _build(config: tuple[Any, ...], key: Any) -> Any:
    """The untrained flow of `config` (a flowjax ``Transformed`` distribution)."""
    from flowjax.bijections import RationalQuadraticSpline
    from flowjax.distributions import StandardNormal
    from flowjax.flows import masked_autoregressive_flow

    dim, layers, knots, interval, width, depth = config[:6]
    return masked_autoregressive_flow(
        key,
        base_dist=StandardNormal(shape=(dim,)),  # type: ignore[call-arg]  # equinox makes its __init__ at run time
        transformer=RationalQuadraticSpline(knots=knots, interval=interval),
        flow_layers=layers,
        nn_width=width,
        nn_depth=depth,
    )


def _partition(flow: Any) -> tuple[Any, Any]:
    import equinox as eqx
    import paramax

    return eqx.partition(flow, eqx.is_inexact_array, is_leaf=lambda leaf: isinstance(leaf, paramax.NonTrainable))


@functools.lru_cache(maxsize=16)
def _trainer(config: tuple[Any, ...], train_rows: int, val_rows: int, epoch_rows: int) -> Any:
    """The jit-compiled training run (initialisation, epochs, early stopping) of one architecture.

    The learning rate and the stopping rule's constants are arguments of the compiled run, so
    changing them does not recompile; the history has `epoch_rows` >= max_epochs rows.
    """
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax
    import paramax

    use_compilation_cache()
    batch = config[6]
    adam = optax.scale_by_adam()  # Adam's direction; the step -lr is applied below (optax.adam's order)
    _, static = _template(config)

    def nll(params: Any, x: Any, weight: Any) -> Any:
        dist = paramax.unwrap(eqx.combine(params, static))
        logp = dist.log_prob(x)
        return -jnp.sum(jnp.where(weight > 0, logp, 0.0) * weight) / jnp.sum(weight)

    grad_nll = jax.value_and_grad(nll)

    def epoch(carry: Any, key: Any, train: Any, n_train: Any, lr: Any) -> Any:
        params, opt_state = carry
        # a random order of the n_train real rows (padding rows sort last)
        order = jnp.argsort(jnp.where(jnp.arange(train_rows) < n_train,
                                      jax.random.uniform(key, (train_rows,)), 2.0))
        batches = (n_train + batch - 1) // batch

        def one(b: Any, inner: Any) -> Any:
            params, opt_state, total = inner
            slot = b * batch + jnp.arange(batch)
            rows = order[jnp.minimum(slot, train_rows - 1)]
            weight = (slot < n_train).astype(jnp.float32)
            loss, grads = grad_nll(params, train[rows], weight)
            updates, opt_state = adam.update(grads, opt_state, params)
            params = optax.apply_updates(params, jax.tree_util.tree_map(lambda u: -lr * u, updates))
            return params, opt_state, total + loss * jnp.sum(weight)

        params, opt_state, total = jax.lax.fori_loop(0, batches, one, (params, opt_state, jnp.float32(0.0)))
        return (params, opt_state), total / n_train

    @jax.jit
    def run(key: Any, train: Any, n_train: Any, val: Any, n_val: Any, lr: Any, max_epochs: Any, patience: Any,
            min_delta: Any) -> Any:
        k_init, k_epochs = jax.random.split(key)
        params, _ = _partition(_build(config, k_init))
        val_weight = (jnp.arange(val_rows) < n_val).astype(jnp.float32)
        best_val = nll(params, val, val_weight)
        history = jnp.full((epoch_rows, 2), jnp.nan, dtype=jnp.float32)
        keys = jax.random.split(k_epochs, epoch_rows)

        def cond(state: Any) -> Any:
            e, _, _, _, _, since, _ = state
            return (e < max_epochs) & (since < patience)

        def body(state: Any) -> Any:
            e, params, opt_state, best, best_val, since, history = state
            (params, opt_state), train_loss = epoch((params, opt_state), keys[e], train, n_train, lr)
            val_loss = nll(params, val, val_weight)
            better = val_loss < best_val - min_delta
            best = jax.tree_util.tree_map(lambda new, old: jnp.where(better, new, old), params, best)
            best_val = jnp.where(better, val_loss, best_val)
            since = jnp.where(better, 0, since + 1)
            history = history.at[e].set(jnp.stack([train_loss, val_loss]))
            return e + 1, params, opt_state, best, best_val, since, history

        state = (jnp.int32(0), params, adam.init(params), params, best_val, jnp.int32(0), history)
        epochs, _, _, best, best_val, since, history = jax.lax.while_loop(cond, body, state)
        return best, epochs, since, history

    return run


@functools.lru_cache(maxsize=16)
def _sampler(config: tuple[Any, ...]) -> Any:
    """``(leaves, z) -> x``: the learnt bijection on a chunk of base draws, compiled once."""
    import equinox as eqx
    import jax
    import paramax

    treedef, static = _template(config)

    @jax.jit
    def push(leaves: Any, z: Any) -> Any:
        dist = paramax.unwrap(eqx.combine(jax.tree_util.tree_unflatten(treedef, leaves), static))
        return jax.vmap(dist.bijection.transform)(z)

    return push


@functools.lru_cache(maxsize=16)
def _density(config: tuple[Any, ...]) -> Any:
    """``(leaves, x) -> log q(x)`` in standardised coordinates, compiled once."""
    import equinox as eqx
    import jax
    import paramax

    treedef, static = _template(config)

    @jax.jit
    def logq(leaves: Any, x: Any) -> Any:
        dist = paramax.unwrap(eqx.combine(jax.tree_util.tree_unflatten(treedef, leaves), static))
        return dist.log_prob(x)

    return logq


def _padded(values: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros((rows, values.shape[1]), dtype=np.float32)
    out[: values.shape[0]] = values
    return out


@dataclass(frozen=True)
class FlowModel(FittedModel):
    """A trained normalising flow: its weights, the standardisation and the loss curves.

    Attributes
    ----------
    leaves : tuple of numpy.ndarray
        The trained parameters (float32), in the order of the flow's trainable leaves.
    shift, scale : numpy.ndarray, shape (d,)
        Training mean and standard deviation; the flow models ``(x − shift) / scale``.
    n_train : int
        Training events N (training and validation split together).
    dim : int
        Dimension d of an event (1 for a 1-D sample: then :meth:`sample` returns shape (size,)).
    history : numpy.ndarray, shape (epochs, 2)
        Per epoch: the mean negative log-likelihood per event of the training split (averaged
        over the epoch's minibatches) and of the validation split after the epoch, in nats of
        the standardised variable.
    best_epoch : int
        The epoch (1-based) whose parameters were kept: the lowest validation loss (0: none
        improved on the initial flow).
    converged : bool
        Whether training stopped by the criterion (no improvement of the validation loss for
        `patience` epochs) rather than at `max_epochs`, after improving on the untrained flow at
        least once (``best_epoch >= 1``).
    seconds : float
        Wall-clock training time (compilation included when this fit compiled the trainer).
    compiled : bool
        Whether this fit compiled the trainer (the first fit of a configuration in a process).
    options : dict
        The :class:`Flow` options it was trained with (their `seed` was not used if ``fit`` was
        given an `rng`).
    """

    leaves: tuple[np.ndarray, ...] = field(repr=False)
    shift: np.ndarray = field(repr=False)
    scale: np.ndarray = field(repr=False)
    n_train: int
    dim: int
    history: np.ndarray = field(repr=False)
    best_epoch: int
    converged: bool
    seconds: float
    compiled: bool
    options: dict[str, Any] = field(repr=False, default_factory=dict)
    generator = "flow"

    @property
    def _bytes_per_event(self) -> int:  # type: ignore[override]  # depends on d
        return 8 * self.dim + 8  # the float64 result and, in 1-D, its contiguous copy (base draws go by chunks)

    @property
    def _config(self) -> tuple[Any, ...]:
        return _config_of(self.options, self.dim)

    @property
    def epochs(self) -> int:
        """Epochs trained (``history.shape[0]``)."""
        return int(self.history.shape[0])

    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """Draw `size` events: Normal noise from `rng` pushed through the flow.

        Returns shape ``(size,)`` for a 1-D training sample, ``(size, d)`` otherwise. Sizes whose
        result would not fit in memory are refused with ``MemoryError`` before anything is drawn.
        The bijection is evaluated in float64 (the trained float32 weights are exact in it): in
        float32 the events would fall on a grid of about 2**24 values per octave, and a million
        of them would hold some 17,000 exact ties, which break nearest-neighbour divergences.
        """
        import jax

        size = check_int(size, "size", minimum=1)
        check_memory(size * self._bytes_per_event + 2 * _SAMPLE_CHUNK * self.dim * 8, name="size", value=size,
                     what=f"{size:.3g} events ({self._bytes_per_event} bytes each)")
        gen = normalize_rng(rng)
        push = _sampler(self._config)
        out = np.empty((size, self.dim), dtype=np.float64)
        with jax.enable_x64(True):
            leaves = [np.asarray(leaf, dtype=np.float64) for leaf in self.leaves]
            for start in range(0, size, _SAMPLE_CHUNK):
                stop = min(start + _SAMPLE_CHUNK, size)
                z = np.zeros((_SAMPLE_CHUNK, self.dim), dtype=np.float64)
                z[: stop - start] = gen.standard_normal((stop - start, self.dim))
                out[start:stop] = np.asarray(push(leaves, z), dtype=np.float64)[: stop - start]
        out *= self.scale
        out += self.shift
        return out[:, 0].copy() if self.dim == 1 else out

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """Log density of the learnt law at `x` (shape (m,) in 1-D, (m, d) otherwise), in nats.

        The flow's density of the standardised variable minus ``Σ ln scale`` (the Jacobian of
        the standardisation), evaluated in float64 as :meth:`sample`.
        """
        import jax

        points = np.asarray(x, dtype=np.float64)
        if self.dim == 1 and points.ndim <= 1:
            points = points.reshape(-1, 1)
        if points.ndim != 2 or points.shape[1] != self.dim:
            raise ValueError(f"`x` must have shape (m, {self.dim}); got {np.shape(x)}.")
        logq = _density(self._config)
        z = (points - self.shift) / self.scale
        out = np.empty(points.shape[0], dtype=np.float64)
        with jax.enable_x64(True):
            leaves = [np.asarray(leaf, dtype=np.float64) for leaf in self.leaves]
            for start in range(0, points.shape[0], _SAMPLE_CHUNK):
                stop = min(start + _SAMPLE_CHUNK, points.shape[0])
                chunk = np.zeros((_SAMPLE_CHUNK, self.dim), dtype=np.float64)
                chunk[: stop - start] = z[start:stop]
                out[start:stop] = np.asarray(logq(leaves, chunk), dtype=np.float64)[: stop - start]
        return out - float(np.sum(np.log(self.scale)))

    def curve(self) -> dict[str, np.ndarray]:
        """The loss curves: ``epoch`` (1-based), ``train_loss`` and ``validation_loss`` (nats per event)."""
        return {"epoch": np.arange(1, self.epochs + 1), "train_loss": self.history[:, 0].copy(),
                "validation_loss": self.history[:, 1].copy()}


def _config_of(options: dict[str, Any], dim: int) -> tuple[Any, ...]:
    """The options that fix the compiled code: the architecture and the minibatch size."""
    return (dim, options["layers"], options["knots"], options["interval"], options["hidden"], options["depth"],
            options["batch_size"])


@dataclass(frozen=True)
class Flow:
    """A normalising flow: a masked autoregressive flow of rational-quadratic splines.

    Parameters
    ----------
    layers : int
        Flow layers (each a masked autoregressive spline transform; default 4).
    knots : int
        Inner knots of each rational-quadratic spline (default 8).
    interval : float
        The splines act on ``[−interval, interval]`` of the standardised variable and are the
        identity outside it (default 5: 5 training standard deviations).
    hidden : int
        Width of the hidden layers of the autoregressive networks (default 32; in 1-D the
        network has no input and only its output biases matter).
    depth : int
        Hidden layers of each autoregressive network (default 1).
    batch_size : int
        Events per minibatch (default 128).
    learning_rate : float
        Adam step size (default 3e-3).
    max_epochs : int
        Most training epochs (default 400); stopping there means not converged.
    patience : int
        Convergence criterion: stop when the validation loss has not improved (by more than
        `min_delta`) for `patience` consecutive epochs (default 20).
    min_delta : float
        Improvement of the validation loss, in nats per event, that counts (default 0).
    validation : float
        Fraction of the training sample held out for validation, in (0, 1) (default 0.2).
    seed : int
        Seed of the training run when ``fit`` is given no `rng`: the split, the initialisation
        and the minibatches are derived from ``numpy.random.default_rng(seed)``.

    Notes
    -----
    **The model.** Each layer maps the standardised event ``u`` coordinate by coordinate through a
    monotone rational-quadratic spline whose knots and slopes are given by a masked
    autoregressive network of the previous coordinates (Papamakarios et al. 2017; Durkan et al.
    2019); layers alternate the order of the coordinates. The base law is a standard Normal in d
    dimensions, and the learnt density is ``q(x) = φ(T⁻¹(u)) |det ∂T⁻¹/∂u| / Π scale`` with
    ``u = (x − shift)/scale``. In 1-D the network has no input, so each layer is one learnt
    spline: the flow is a composition of ``layers`` monotone splines of the Normal.

    **The convergence criterion.** Training minimises the mean negative log-likelihood of the
    training split by Adam on minibatches; after every epoch the same loss is evaluated on the
    held-out validation split. Training stops when it has not improved on its best value by more
    than `min_delta` for `patience` epochs, and the parameters of the best epoch are kept
    (early stopping). A fit that reaches `max_epochs` first has ``converged=False`` and warns.

    **Randomness.** The split, the network initialisation and the order of the minibatches are
    derived from `rng` (or `seed`): a numpy generator, from which one 63-bit integer seeds the JAX
    key. The same seed on the same machine gives bitwise the same flow and, with the same
    sampling `rng`, bitwise the same events; across CPUs float32 arithmetic may differ in the
    last bits.

    Compiled trainers are cached per architecture in the process and in JAX's persistent cache
    (as the GAN's, :mod:`ampcore.generators.gan`): training and validation rows are padded (to at least 4096
    and 1024, then powers of two), so every N up to about 5000 reuses one compilation, and the
    learning rate and the stopping rule are arguments of the compiled run. The first fit of an
    architecture in a process without a cached trainer compiles it (about 12 s of CPU in 1-D).

    Provenance: see the module docstring (the flow, the spline and early stopping Standard; the
    defaults Reconstructed).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=300)
    >>> model = Flow().fit(x, rng=1)
    >>> model.sample(4, rng=2).shape, model.converged, model.generator
    ((4,), True, 'flow')
    """

    layers: int = 2
    knots: int = 8
    interval: float = 5.0
    hidden: int = 32
    depth: int = 1
    batch_size: int = 256
    learning_rate: float = 1e-3
    max_epochs: int = 1000
    patience: int = 20
    min_delta: float = 0.0
    validation: float = 0.2
    seed: int = 0

    @property
    def name(self) -> str:
        """``"flow"``, its name in the registry (:func:`ampcore.generators.registry.make`)."""
        return "flow"

    def _options(self) -> dict[str, Any]:
        """The options, checked (a ValueError/TypeError names the first bad one)."""
        options = {
            "layers": check_int(self.layers, "layers", minimum=1),
            "knots": check_int(self.knots, "knots", minimum=1),
            "interval": check_positive(self.interval, "interval"),
            "hidden": check_int(self.hidden, "hidden", minimum=1),
            "depth": check_int(self.depth, "depth", minimum=0),
            "batch_size": check_int(self.batch_size, "batch_size", minimum=1),
            "learning_rate": check_positive(self.learning_rate, "learning_rate"),
            "max_epochs": check_int(self.max_epochs, "max_epochs", minimum=1),
            "patience": check_int(self.patience, "patience", minimum=1),
            "min_delta": check_positive(self.min_delta, "min_delta", allow_zero=True),
            "validation": check_positive(self.validation, "validation"),
            "seed": check_int(self.seed, "seed", minimum=0),
        }
        if not options["validation"] < 1:
            raise ValueError(f"`validation` must be a fraction in (0, 1); got {options['validation']!r}.")
        return options

    def fit(self, x: ArrayLike, *, rng: RNGLike = None) -> FlowModel:
        """Train on `x` (shape (n,) or (n, d), finite) and return the flow.

        Parameters
        ----------
        x : array_like, shape (n,) or (n, d)
            Training events; the validation split takes ``round(validation · n)`` of them, and
            both splits need at least 2.
        rng : int, Generator or None
            Source of the training randomness; None uses ``default_rng(seed)``.

        Raises
        ------
        TypeError, ValueError
            For a bad sample or option (the message names it).
        ImportError
            If JAX, flowjax or optax is not installed (``pip install "ampcore[gan]"``).

        Warns
        -----
        ConvergenceWarning
            If training stopped at `max_epochs` before the validation loss settled.
        """
        options = self._options()
        data = as_points(x, "x", min_size=2)
        n, dim = data.shape
        n_val = round(options["validation"] * n)
        if n_val < 2 or n - n_val < 2:
            raise ValueError(
                f"`x` has {n} events: a validation fraction of {options['validation']:g} leaves "
                f"{n - n_val} for training and {n_val} for validation; both need at least 2."
            )
        shift = data.mean(axis=0)
        scale = data.std(axis=0)
        if np.any(scale <= 0):
            raise ValueError("`x` has zero spread in some dimension; a flow cannot be standardised on it.")
        gen = normalize_rng(self.seed if rng is None else rng)
        try:
            import jax
            import jax.numpy as jnp
        except ImportError as exc:  # pragma: no cover - the [gan] extra is installed in CI
            raise ImportError('ampcore.Flow needs JAX, flowjax and optax: pip install "ampcore[gan]".') from exc
        order = gen.permutation(n)
        standard = (data - shift) / scale
        train, val = standard[order[n_val:]], standard[order[:n_val]]
        train_rows = max(_TRAIN_ROWS, 1 << math.ceil(math.log2(train.shape[0])))
        val_rows = max(_VAL_ROWS, 1 << math.ceil(math.log2(n_val)))
        epoch_rows = max(_EPOCH_ROWS, 1 << math.ceil(math.log2(options["max_epochs"])))
        shapes = (_config_of(options, dim), train_rows, val_rows, epoch_rows)
        compiled = shapes not in _COMPILED
        key = jax.random.key(int(gen.integers(2**63 - 1)))
        start = time.perf_counter()
        best, epochs, since, history = _trainer(*shapes)(
            key, jnp.asarray(_padded(train, train_rows)), jnp.int32(train.shape[0]),
            jnp.asarray(_padded(val, val_rows)), jnp.int32(n_val), jnp.float32(options["learning_rate"]),
            jnp.int32(options["max_epochs"]), jnp.int32(options["patience"]), jnp.float32(options["min_delta"]))
        best = jax.block_until_ready(best)  # type: ignore[no-untyped-call]  # jax leaves it untyped
        seconds = time.perf_counter() - start
        _COMPILED.add(shapes)
        epochs = int(epochs)
        best_epoch = epochs - int(since)
        converged = int(since) >= options["patience"] and best_epoch >= 1
        if best_epoch < 1:
            # early stopping from the first epoch on: the kept parameters are the untrained ones
            warnings.warn(
                f"Flow: no epoch improved the validation loss of the untrained flow (patience="
                f"{options['patience']}); the fitted model keeps its initial state and has "
                "converged=False. Lower `learning_rate`, or use more events or a larger `validation`.",
                ConvergenceWarning,
                stacklevel=2,
            )
        elif not converged:
            warnings.warn(
                f"Flow: the validation loss was still improving after max_epochs={options['max_epochs']} "
                f"epochs (criterion: no improvement for patience={options['patience']} epochs); the "
                "fitted model has converged=False. Raise `max_epochs` or `learning_rate`.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return FlowModel(
            leaves=tuple(np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(best)),
            shift=shift, scale=scale, n_train=int(n), dim=int(dim),
            history=np.asarray(history, dtype=np.float64)[:epochs],
            best_epoch=best_epoch, converged=converged,
            seconds=float(seconds), compiled=compiled, options=options,
        )


# (architecture, padded rows, history rows) whose trainer this process has compiled (FlowModel.compiled)
_COMPILED: set[tuple[Any, ...]] = set()
