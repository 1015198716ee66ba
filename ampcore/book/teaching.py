"""Lab assignments for "Teaching with this book": parameter changes and the results they give.

:data:`LAB_ASSIGNMENTS` lists changes a lab can hand out — one chapter, one parameter, one new
value, and the quantity to look at — and :func:`lab_table` computes that quantity with the
chapter's own ampcore functions twice: at the chapter's current defaults (read from its
``parameters`` cell, so the table follows the chapters) and at the lab value. The book's teaching
page shows the table from a real run, and ``tests/test_teaching.py`` checks every assignment
against its chapter's parameter rules and every number against an independent computation.

Provenance: the quantities are those of the chapters (see each chapter's labels); choosing them
as lab exercises is ours. The simulated entries use value-keyed seeds (``seed``), so a table is
reproducible bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..bound import min_gain, satisfies_bound
from ..information import goldilocks_width
from ..laws import TwoPeaks
from ..sampleamp import valid_extra
from ..studies.collapse import collapse_grid
from ..studies.engine import DEFAULT_SEED
from ..studies.reamplification import expected_variance
from .parameters import chapter_spec
from .runner import notebooks_dir

__all__ = ["LabAssignment", "LAB_ASSIGNMENTS", "lab_table"]

_NORMAL_ENTROPY = 0.5 * (math.log(2 * math.pi) + 1.0)  # h of N(0, 1) = ½ ln(2πe), nats (Standard)

Compute = Callable[[Mapping[str, Any], int], Any]


@dataclass(frozen=True)
class LabAssignment:
    """One parameter change of one chapter, and the quantity whose value it changes.

    Attributes
    ----------
    chapter : str
        The chapter's file name without extension (``"04_normal"``).
    parameter : str
        A parameter of the chapter's ``parameters`` cell.
    value : object
        The lab value (it must pass the chapter's rule for `parameter`).
    quantity : str
        What to read off, in words, with units.
    compute : callable
        ``compute(values, seed)``: the quantity at the chapter's parameter `values` (a mapping of
        every parameter), computed with ampcore; `seed` is the root seed of any simulation.
    """

    chapter: str
    parameter: str
    value: Any
    quantity: str
    compute: Compute

    def change(self) -> str:
        """The change in words: ``"N = 500"``, ``"dims = [1, 256]"``."""
        return f"{self.parameter} = {self.value!r}"

    def command(self) -> str:
        """The ``ampcore chapter run`` command that makes the change."""
        topic = self.chapter.split("_", 1)[1]
        if isinstance(self.value, list):
            shown = ",".join(str(v) for v in self.value)
        else:
            shown = str(self.value)
        return f"ampcore chapter run {topic} -p {self.parameter} {shown}"


def _bound_at_100(values: Mapping[str, Any], seed: int) -> bool:
    return bool(satisfies_bound(100, values["G"] * 100))


def _normal_width(values: Mapping[str, Any], seed: int) -> float:
    return float(goldilocks_width(values["N"], 2.5, _NORMAL_ENTROPY))


def _root_n(values: Mapping[str, Any], seed: int) -> float:
    return float(min_gain(values["N"]))


def _chain_variance(values: Mapping[str, Any], seed: int) -> float:
    return float(expected_variance("refit_normal", values["generations"], n=values["n_small"])[-1])


def _width_over_separation(values: Mapping[str, Any], seed: int) -> float:
    law = TwoPeaks(values["separation"], values["peak_width"])
    return float(goldilocks_width(values["N"], values["M"], float(law.entropy()))) / float(values["separation"])


def _valid_extra(values: Mapping[str, Any], seed: int) -> int:
    return valid_extra(values["N"], max(values["dims"]))


def _valid_gain(values: Mapping[str, Any], seed: int) -> float:
    return 1.0 + valid_extra(values["N"], 1) / int(values["N"])


def _replace_kl(values: Mapping[str, Any], seed: int) -> float:
    from scipy import stats

    result = collapse_grid(stats.norm(), values["n_chain"], generations=values["generations"],
                           methods=["refit_normal"], modes=["replace"], replicates=values["chains"],
                           seed=seed, workers=1)
    return float(result.headline()["kl_last"]["refit_normal_replace"])


LAB_ASSIGNMENTS: tuple[LabAssignment, ...] = (
    LabAssignment("01_question", "G", 10, "G·N satisfies the bound at N = 100", _bound_at_100),
    LabAssignment("02_entropy_bound", "N", 500, "Goldilocks width Δ of N(0, 1) at M = 2.5", _normal_width),
    LabAssignment("04_normal", "N", 500, "smallest gain the bound allows, √N", _root_n),
    LabAssignment("06_reamplification", "n_small", 50, "expected variance, refitted-Normal chain", _chain_variance),
    LabAssignment("07_resolution_significance", "M", 3.0, "bin width Δ / peak separation", _width_over_separation),
    LabAssignment("09_neighbours", "dims", [1, 256], "largest valid m − n, largest d", _valid_extra),
    LabAssignment("09_neighbours", "N", 1000, "largest valid gain, sample amplifier, d = 1", _valid_gain),
    LabAssignment("09_neighbours", "n_chain", 400, "mean exact KL of replacing chains (nats)", _replace_kl),
)
"""The lab's parameter changes (one per row of :func:`lab_table`)."""


def lab_table(
    assignments: Sequence[LabAssignment] = LAB_ASSIGNMENTS,
    *,
    notebooks: str | Path | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Every lab assignment with its quantity at the chapter's defaults and at the lab value.

    Parameters
    ----------
    assignments : sequence of LabAssignment
        Default :data:`LAB_ASSIGNMENTS`.
    notebooks : path, optional
        The book's ``notebooks/`` folder (default: found from the current folder, see
        :func:`ampcore.book.runner.notebooks_dir`).
    seed : int
        Root seed of the simulated entries.

    Returns
    -------
    pandas.DataFrame
        Columns ``chapter, change, quantity, at the default, at the lab value`` (the quantity at
        the chapter's last generation where it has generations); numbers are rounded to 4
        significant digits (flags and counts are kept as they are). Every cell is at most 50
        characters, pandas' display width.

    Raises
    ------
    ampcore.book.parameters.ParameterError, TypeError
        If a lab value breaks its chapter's rules or names no parameter of it.
    """
    folder = notebooks_dir(notebooks)
    rows = []
    for task in assignments:
        spec = chapter_spec(folder / f"{task.chapter}.ipynb")
        defaults = spec.defaults()
        changed = spec.check({task.parameter: task.value})
        rows.append({
            "chapter": task.chapter,
            "change": task.change(),
            "quantity": task.quantity,
            "at the default": _rounded(task.compute(defaults, seed)),
            "at the lab value": _rounded(task.compute(changed, seed)),
        })
    return pd.DataFrame(rows)


def _rounded(value: Any) -> Any:
    """Floats to 4 significant digits; booleans and integers as they are."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    return value
