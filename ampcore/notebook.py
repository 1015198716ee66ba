"""Chapter plumbing: check a chapter's parameters, and record its headline results.

Use :func:`check_parameters` in the cell after a notebook's ``parameters`` cell, so that a bad
value passed with ``papermill -p`` (or ``ampcore chapter run -p``) fails at once with a clear
message, and :func:`record` to leave named results in the executed notebook, which
:func:`read_records` (and the papermill tests) read back.

The rules live in :data:`PARAMETER_RULES`, one per parameter name used by the chapters, so the
notebooks, the command line and the tests agree on what is allowed.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ._validation import check_finite, check_int, check_positive

__all__ = [
    "PARAMETER_RULES",
    "RECORD_MIME",
    "check_parameters",
    "record",
    "read_records",
    "chapter_parameters",
    "execute_chapter",
]

RECORD_MIME = "application/vnd.ampbook.record+json"
"""MIME type of the display output that carries a chapter's recorded results."""


def _int_at_least(minimum: int) -> Callable[[Any, str], Any]:
    def rule(value: Any, name: str) -> int:
        return check_int(value, name, minimum=minimum)

    rule.__doc__ = f"integer >= {minimum}"
    return rule


def _positive(value: Any, name: str) -> float:
    return check_positive(value, name)


_positive.__doc__ = "finite number > 0"


def _list_of(item: Callable[[Any, str], Any], what: str) -> Callable[[Any, str], Any]:
    def rule(value: Any, name: str) -> list[Any]:
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            raise TypeError(f"`{name}` must be a non-empty list of {what}; got {value!r}.")
        items = list(value)
        if not items:
            raise ValueError(f"`{name}` must be a non-empty list of {what}; got [].")
        return [item(v, f"{name}[{i}]") for i, v in enumerate(items)]

    rule.__doc__ = f"non-empty list of {what}"
    return rule


def _probability(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 < float(value) < 1):
        raise ValueError(f"`{name}` must be a number in (0, 1); got {value!r}.")
    return float(value)


_probability.__doc__ = "number in (0, 1)"


def _finite(value: Any, name: str) -> float:
    return check_finite(value, name)


_finite.__doc__ = "finite real number"

PARAMETER_RULES: dict[str, Callable[[Any, str], Any]] = {
    "N": _int_at_least(2),
    "n_values": _list_of(_int_at_least(2), "integers >= 2"),
    "seeds": _int_at_least(1),
    "seed": _int_at_least(0),
    "k": _int_at_least(1),
    "G": _int_at_least(1),
    "gains": _list_of(_int_at_least(1), "integers >= 1"),
    "M": _positive,
    "m_values": _list_of(_positive, "numbers > 0"),
    "reference_size": _int_at_least(2),
    "generations": _int_at_least(1),
    "n_small": _int_at_least(2),
    "separation": _positive,
    "peak_width": _positive,
    "window": _positive,
    "level": _probability,
    "cut": _finite,
    "spread_seeds": _int_at_least(2),
    "chain_seeds": _int_at_least(1),
}
"""Allowed values by parameter name; each rule returns the checked value or raises."""


def check_parameters(**params: Any) -> dict[str, Any]:
    """Check chapter parameters by name against :data:`PARAMETER_RULES`.

    Parameters
    ----------
    **params
        The values of the notebook's ``parameters`` cell.

    Returns
    -------
    dict
        The checked values (integers as ``int``, numbers as ``float``, lists as ``list``).

    Raises
    ------
    TypeError, ValueError
        Naming the parameter, the value and the rule; an unknown name is a ``TypeError`` so that
        every chapter parameter has a rule.

    Examples
    --------
    >>> check_parameters(N=2000, gains=[1, 10], M=2.5)
    {'N': 2000, 'gains': [1, 10], 'M': 2.5}
    >>> check_parameters(N=-5)
    Traceback (most recent call last):
    ...
    ValueError: `N` must be an integer >= 2; got -5.
    """
    checked = {}
    for name, value in params.items():
        rule = PARAMETER_RULES.get(name)
        if rule is None:
            known = ", ".join(sorted(PARAMETER_RULES))
            raise TypeError(f"Unknown chapter parameter `{name}`; known parameters: {known}.")
        checked[name] = rule(value, name)
    return checked


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


def record(**values: Any) -> dict[str, Any]:
    """Display named results as a JSON output that :func:`read_records` can find later.

    Values must be numbers, strings, booleans, or lists/dicts/arrays of them; non-finite floats
    are stored as the strings ``"inf"``, ``"-inf"``, ``"nan"``.

    Returns
    -------
    dict
        The JSON-ready payload (also shown as plain text outside a notebook).
    """
    payload: dict[str, Any] = _jsonable(values)
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the book extra
        return payload
    display(  # type: ignore[no-untyped-call]  # IPython ships no type hints
        {RECORD_MIME: payload, "text/plain": json.dumps(payload, sort_keys=True)}, raw=True
    )
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


def chapter_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters of a chapter notebook, as papermill reads its ``parameters`` cell.

    Returns
    -------
    dict
        name → ``{"name", "inferred_type_name", "default", "help"}`` (papermill's inspection).
    """
    import logging

    import papermill

    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"No chapter notebook at {str(path)!r}.")
    # papermill skips (and logs) any line with two "=", e.g. a help comment "N_G = G N";
    # the cell's own syntax tree fills those in, in the cell's order.
    logger = logging.getLogger("papermill.translators")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        found = dict(papermill.inspect_notebook(str(path)))
    finally:
        logger.setLevel(level)
    parsed = _parameters_cell_entries(path)
    merged = {name: found.get(name, entry) for name, entry in parsed.items()}
    merged.update((name, info) for name, info in found.items() if name not in merged)
    return merged


def _parameters_cell_entries(path: Path) -> dict[str, dict[str, Any]]:
    """``name: type = default  # help`` assignments of the cell tagged ``parameters`` (via ast)."""
    import ast
    import io
    import tokenize

    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return {}
    source = tagged[0].get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError):
        return {}
    comments = {t.start[0]: t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT}
    entries: dict[str, dict[str, Any]] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            name, kind = node.target.id, ast.get_source_segment(source, node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, kind = node.targets[0].id, "None"
        else:
            continue
        entries[name] = {
            "name": name,
            "inferred_type_name": kind or "None",
            "default": ast.get_source_segment(source, node.value) if node.value is not None else None,
            "help": comments.get(node.end_lineno or node.lineno, ""),
        }
    return entries


def execute_chapter(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    progress: bool = False,
    timeout: int | None = 600,
) -> dict[str, Any]:
    """Execute a chapter with papermill at new parameters and return its recorded results.

    Parameters
    ----------
    notebook : path
        The source chapter (never written to).
    output : path
        Where the executed notebook goes; must not be the source, and its folder must exist.
    parameters : mapping, optional
        New values; every name must be one of the chapter's parameters (papermill would only
        warn) and pass :func:`check_parameters`.
    progress : bool
        Show papermill's progress bar.
    timeout : int or None
        Per-cell execution timeout in seconds.

    Returns
    -------
    dict
        The chapter's :func:`record` payloads (see :func:`read_records`).
    """
    import papermill

    source = Path(notebook).resolve()
    target = Path(output).resolve()
    if target == source:
        raise ValueError(f"`output` must not be the source notebook {str(source)!r}; choose another path.")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"The output folder {str(target.parent)!r} does not exist.")
    params = dict(parameters or {})
    known = chapter_parameters(source)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {', '.join(unknown)} for {source.name}; it takes: {', '.join(known)}."
        )
    params = check_parameters(**params)
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=params,
        kernel_name="python3",
        progress_bar=progress,
        cwd=str(source.parent),
        execution_timeout=timeout,
    )
    return read_records(target)
