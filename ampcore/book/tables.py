"""Tables as readers see them: no index column, numbers at their precision, "—" for missing.

:func:`book_table` wraps a study's table (a pandas DataFrame) for display in a chapter. The
notebook shows it as HTML without pandas' row index; each float column is printed with one
number of decimals for the whole column (the fewest that show every value as the study rounded
it), columns of whole numbers as integers, NaN and None as "—", and flags as "yes" / "no". The
plain-text form (what nbval compares and a terminal shows) is the same table as text.

This module sits in the book layer; it reads nothing from the studies.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["BookTable", "book_table"]

MISSING = "—"
_MAX_DECIMALS = 6


def _decimals(values: list[float]) -> int:
    """The fewest decimals (at most 6) that print every finite value as it is stored."""
    for d in range(_MAX_DECIMALS + 1):
        if all(math.isclose(round(v, d), v, rel_tol=0.0, abs_tol=1e-12) for v in values):
            return d
    return _MAX_DECIMALS


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _column(values: pd.Series, digits: int | None) -> list[str]:
    items = values.tolist()
    present = [v for v in items if not _is_missing(v)]
    if present and all(isinstance(v, bool) for v in present):
        return [MISSING if _is_missing(v) else ("yes" if v else "no") for v in items]
    numeric = [v for v in present if isinstance(v, numbers.Real) and not isinstance(v, bool)]
    if not present or len(numeric) != len(present):  # text (or a mix): as it is
        return [MISSING if _is_missing(v) else str(v) for v in items]
    finite = [float(v) for v in numeric if math.isfinite(float(v))]
    if digits is None:
        whole = all(float(v).is_integer() for v in finite)
        digits = 0 if whole else _decimals(finite)

    def one(v: Any) -> str:
        if _is_missing(v):
            return MISSING
        x = float(v)
        if not math.isfinite(x):
            return "∞" if x > 0 else "−∞"
        if digits == 0:
            text = f"{round(x):,d}" if abs(x) >= 10_000 else f"{round(x):d}"
        else:
            text = f"{x:.{digits}f}"
        return text.replace("-", "−")

    return [one(v) for v in items]


@dataclass(frozen=True)
class BookTable:
    """A DataFrame of display strings, shown without its index (see :func:`book_table`)."""

    frame: pd.DataFrame

    def _repr_html_(self) -> str:
        return str(self.frame.to_html(index=False, border=0, classes="dataframe ampbook-table"))

    def __repr__(self) -> str:
        return str(self.frame.to_string(index=False))


def book_table(table: pd.DataFrame, *, digits: Mapping[str, int] | None = None,
               rename: Mapping[str, str] | None = None) -> BookTable:
    """`table` formatted for a chapter: no index, numbers at their precision, "—" for missing.

    Parameters
    ----------
    table : pandas.DataFrame
        The study's table; its index is dropped (put anything meaningful in a column).
    digits : mapping column → int, optional
        Decimals for a column; by default the fewest that show every value as stored (whole
        numbers are printed as integers, with thousands separators from 10,000).
    rename : mapping column → str, optional
        Human column names for display.

    Returns
    -------
    BookTable

    Raises
    ------
    TypeError
        If `table` is not a DataFrame.
    ValueError
        If `digits` or `rename` names a column that `table` does not have.

    Examples
    --------
    >>> t = book_table(pd.DataFrame({"N": [200.0, 20000.0], "ratio": [0.5, float("nan")], "ok": [True, False]}))
    >>> print(repr(t))
         N ratio  ok
       200   0.5 yes
    20,000     —  no
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"`table` must be a pandas DataFrame; got {type(table).__name__}.")
    for name, mapping in (("digits", digits), ("rename", rename)):
        unknown = sorted(set(mapping or {}) - set(map(str, table.columns)))
        if unknown:
            raise ValueError(f"`{name}` names columns {unknown} that the table does not have; "
                             f"its columns are {list(map(str, table.columns))}.")
    out = {}
    for column in table.columns:
        key = str(column)
        out[(rename or {}).get(key, key)] = _column(table[column], (digits or {}).get(key))
    return BookTable(pd.DataFrame(out))
