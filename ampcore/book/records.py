"""A chapter's headline numbers: recorded for its tests and glued into its prose.

:func:`record` is called in a chapter's last cell with the study headlines
(``record(**grid.headline(), ...)``). It does two things with the same values:

* it displays them as one JSON output (MIME type :data:`RECORD_MIME`) that
  :func:`read_records` reads back from the executed notebook, for the chapter's claim tests;
* it glues every number, text and flag with MyST-NB's ``glue`` (nested dicts and lists are
  flattened: ``floor_exact={"2.5": 0.012}`` is glued as ``floor_exact_2p5``), so the prose says
  ``{glue:text}`floor_exact_2p5:.4f``` and can never disagree with the run.

Without MyST-NB (e.g. on Colab without the book extra) only the JSON output is shown.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["RECORD_MIME", "record", "read_records", "glue_names"]

RECORD_MIME = "application/vnd.ampbook.record+json"
"""MIME type of the display output that carries a chapter's recorded results."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    raise TypeError(f"Cannot record a value of type {type(value).__name__}: {value!r}.")


def _key(text: str) -> str:
    """A glue name piece: ``2.5`` → ``2p5``, ``N(0,1) vs N(1,1)`` → ``N_0_1_vs_N_1_1``."""
    text = text.replace(".", "p").replace("-", "m") if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
    return re.sub(r"_+", "_", re.sub(r"[^0-9A-Za-z_]", "_", text)).strip("_")


def glue_names(values: Mapping[str, Any]) -> dict[str, Any]:
    """The flat ``name → scalar`` pairs that :func:`record` glues.

    Examples
    --------
    >>> glue_names({"floor": {"2.5": 0.01, "3": 0.02}, "mc": 0.001, "gains": [1, 10]})
    {'floor_2p5': 0.01, 'floor_3': 0.02, 'mc': 0.001, 'gains_0': 1, 'gains_1': 10}
    """
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}_{_key(str(k))}", v)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(f"{prefix}_{i}", v)
        else:
            flat[prefix] = value

    for name, value in _jsonable(dict(values)).items():
        walk(_key(name), value)
    return flat


def record(*headlines: Any, **values: Any) -> dict[str, Any]:
    """Display named results as a JSON output, and glue each number for the prose.

    Values must be numbers, strings, booleans, or lists/dicts/arrays of them; non-finite floats
    are stored as the strings ``"inf"``, ``"-inf"``, ``"nan"``. A typed headline (a study's
    ``headline()`` with a ``records()`` method giving plain names) may be passed positionally:
    ``record(study.headline(), n=N)``.

    Returns
    -------
    dict
        The JSON-ready payload.
    """
    merged: dict[str, Any] = {}
    for headline in headlines:
        names = getattr(headline, "records", None)
        if not callable(names):
            raise TypeError(f"a positional argument of record must be a typed headline with records(); "
                            f"got {type(headline).__name__}.")
        merged.update(names())
    merged.update(values)
    payload: dict[str, Any] = _jsonable(merged)
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the book extra
        return payload
    display(  # type: ignore[no-untyped-call]  # IPython ships no type hints
        {RECORD_MIME: payload, "text/plain": json.dumps(payload, sort_keys=True)}, raw=True
    )
    try:
        from myst_nb import glue
    except ImportError:  # pragma: no cover - MyST-NB comes with the book extra
        return payload
    for name, value in glue_names(payload).items():
        glue(name, value, display=False)
    return payload


def read_records(notebook: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Collect every :func:`record` payload of an executed notebook (later names win).

    Parameters
    ----------
    notebook : path or dict
        An ``.ipynb`` file or its parsed JSON.
    """
    nb = notebook if isinstance(notebook, Mapping) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data", {})
            if RECORD_MIME in data:
                payload = data[RECORD_MIME]
                found.update(json.loads(payload) if isinstance(payload, str) else payload)
    return found
