"""What every study returns: a tidy frame, a rounded table for the book and headline numbers.

:class:`StudyResult` holds the rows of a study (one per trial, or per trial and sub-result) as
``.frame``; each study subclasses it with ``.table()`` (a rounded, tidy DataFrame with units in
the column names, which the book renders as an HTML table) and ``.headline()`` (a dict of the
numbers that ``record`` glues into the prose and the chapter tests assert). :meth:`select`
filters rows by value.

Provenance: means and sample standard deviations over replicates are Standard.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["StudyResult", "Column", "table_from", "check_list", "mean_sd"]


@dataclass(frozen=True)
class StudyResult:
    """The rows of a study as a pandas DataFrame (``.frame``)."""

    frame: pd.DataFrame

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise TypeError(f"`frame` must be a pandas DataFrame; got {type(self.frame).__name__}.")

    def __len__(self) -> int:
        return int(len(self.frame))

    def select(self, **where: Any) -> pd.DataFrame:
        """Rows whose columns equal the given values (a list means any of them).

        Examples
        --------
        >>> r = StudyResult(pd.DataFrame({"m": [2.0, 3.0, 3.0], "v": [1, 2, 3]}))
        >>> r.select(m=3.0)["v"].tolist()
        [2, 3]
        """
        frame = self.frame
        for name, value in where.items():
            if name not in frame.columns:
                raise ValueError(f"no column {name!r} to select on; columns: {list(frame.columns)}.")
            values = value if isinstance(value, (list, tuple, set)) else [value]
            frame = frame[frame[name].isin(values)]
        if frame.empty:
            raise ValueError(f"no rows match {where!r}.")
        return frame

    def table(self) -> pd.DataFrame:
        """A rounded copy of the frame (studies override this with their own summary)."""
        return self.frame.round(4)

    def headline(self) -> dict[str, Any]:
        """The study's headline numbers (studies override this)."""
        return {"rows": len(self.frame)}


@dataclass(frozen=True)
class Column:
    """A declared column of a study's table: the frame's column, its label, unit and rounding.

    ``digits=None`` leaves the value as it is (names, integers).
    """

    name: str
    label: str
    unit: str = ""
    digits: int | None = None

    @property
    def heading(self) -> str:
        """The table's heading: the label, with the unit in brackets if there is one."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def table_from(frame: pd.DataFrame, columns: Iterable[Column]) -> pd.DataFrame:
    """The table that `columns` declare, from `frame`: selected, rounded and labelled.

    Examples
    --------
    >>> frame = pd.DataFrame({"m": [2.0], "slope": [0.4987], "other": [1]})
    >>> table_from(frame, [Column("m", "M"), Column("slope", "slope", "1/ln N", 2)]).to_dict("records")
    [{'M': 2.0, 'slope (1/ln N)': 0.5}]
    """
    out = {}
    for column in columns:
        values = frame[column.name]
        out[column.heading] = values.round(column.digits) if column.digits is not None else values
    return pd.DataFrame(out)


def check_list(values: Any, name: str) -> list[Any]:
    """`values` as a non-empty list (not a string), or a ``ValueError`` naming `name`."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"`{name}` must be a non-empty list; got {values!r}.")
    items = list(values)
    if not items:
        raise ValueError(f"`{name}` must be a non-empty list; got [].")
    return items


def mean_sd(values: pd.Series, prefix: str) -> dict[str, float]:
    """``{prefix_mean, prefix_sd}``: mean and sample sd (ddof = 1; NaN for one value)."""
    return {
        f"{prefix}_mean": float(values.mean()),
        f"{prefix}_sd": float(values.std(ddof=1)) if values.size > 1 else math.nan,
    }
