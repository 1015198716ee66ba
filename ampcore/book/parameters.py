"""Chapter parameters: each chapter declares its own rules in its ``parameters`` cell.

A chapter's ``parameters`` cell (the cell papermill injects new values after) declares every
parameter with a *rule* as its annotation, a default and a help comment::

    N: "int in [100, 100_000]" = 2000  # training events
    m_values: "list[float] in [1, 10]" = [2, 2.5, 3]  # Goldilocks statistics M
    k: "int in [1, 50]; k < N" = 5  # neighbour order of the kNN divergence

A rule is a type — ``int``, ``float``, ``bool``, ``str``, ``list[int]`` or ``list[float]`` —
optionally followed by ``in [LOW, HIGH]`` (inclusive bounds, for every element of a list; the
bounds are numbers, ``inf``, or arithmetic on numbers) or ``in {'a', 'b'}`` (allowed values),
then any number of ``; RELATION`` clauses: expressions over the chapter's parameter names that
must hold (``k < N``, ``max(gains) * N <= 10**9``).

The same text serves three readers: :func:`chapter_spec` parses it from the notebook file
(``ampcore chapter run`` refuses a bad value before any kernel starts, and the book's re-run
pages list it); :func:`check_parameters` checks the values inside the running notebook (so a
plain ``papermill -p`` run fails at once too); and papermill's own ``--help-notebook`` shows it.
:func:`parse_value` turns a command-line string into the declared type (``010`` is 10, ``1e-3``
is a float), so what the user typed is what runs.
"""

from __future__ import annotations

import ast
import decimal
import io
import json
import math
import numbers
import operator
import re
import sys
import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ParameterSpec", "ChapterSpec", "ParameterError", "chapter_spec", "check_parameters", "parse_value"]

_TYPES = ("int", "float", "bool", "str", "list[int]", "list[float]")


class ParameterError(ValueError):
    """A chapter parameter has a value its rule does not allow (the message says which and why)."""


# --------------------------------------------------------------------------------------------------
# a safe evaluator for bounds and relations: numbers, names, arithmetic, comparisons, a few calls

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_CALLS: dict[str, Callable[..., Any]] = {"max": max, "min": min, "len": len, "sum": sum, "abs": abs}


def _evaluate(node: ast.AST, names: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, names)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id == "inf":
            return math.inf
        if node.id in names:
            return names[node.id]
        raise ValueError(f"unknown name {node.id!r}")
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_evaluate(e, names) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        value = _evaluate(node.operand, names)
        return -value if isinstance(node.op, ast.USub) else (+value if isinstance(node.op, ast.UAdd) else not value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, names), _evaluate(node.right, names)
        if isinstance(node.op, ast.Pow) and abs(right) > 1000:
            raise ValueError("exponent too large")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.BoolOp):
        values = [_evaluate(v, names) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left = _evaluate(node.left, names)
        for op, comparator in zip(node.ops, node.comparators):
            right = _evaluate(comparator, names)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS and not node.keywords:
        return _CALLS[node.func.id](*(_evaluate(a, names) for a in node.args))
    raise ValueError(f"unsupported expression {ast.unparse(node)!r}")


def _expression(text: str, names: Mapping[str, Any]) -> Any:
    return _evaluate(ast.parse(text.strip(), mode="eval"), names)


# --------------------------------------------------------------------------------------------------
# rules


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class ParameterSpec:
    """The rule, default and help of one chapter parameter.

    Attributes
    ----------
    name : str
    kind : str
        One of ``int, float, bool, str, list[int], list[float]``.
    low, high : float or None
        Inclusive bounds (of every element, for a list).
    choices : tuple or None
        Allowed values.
    relations : tuple of str
        Expressions over parameter names that must hold.
    default : object
        The value in the parameters cell.
    help : str
        The comment after it.
    rule : str
        The rule as written.
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    relations: tuple[str, ...] = ()
    default: Any = None
    help: str = ""
    rule: str = ""

    @classmethod
    def parse(cls, name: str, rule: str, *, default: Any = None, help: str = "") -> ParameterSpec:
        """Read a rule such as ``"int in [2, 10_000]; k < N"``.

        Examples
        --------
        >>> s = ParameterSpec.parse("k", "int in [1, 50]; k < N")
        >>> s.kind, s.low, s.high, s.relations
        ('int', 1, 50, ('k < N',))
        """
        head, *relations = (part.strip() for part in rule.split(";"))
        match = re.fullmatch(r"(int|float|bool|str|list\[int\]|list\[float\])(?:\s+in\s+(.+))?", head)
        if match is None:
            raise ValueError(f"parameter `{name}`: cannot read the rule {rule!r}; expected a type of {', '.join(_TYPES)}, "
                             "optionally followed by 'in [low, high]' or 'in {...}' and '; relation' clauses.")
        kind, domain = match.group(1), match.group(2)
        low = high = None
        choices = None
        if domain:
            domain = domain.strip()
            if domain.startswith("[") and domain.endswith("]"):
                bounds = _expression(domain, {})
                if len(bounds) != 2:
                    raise ValueError(f"parameter `{name}`: a range needs two bounds; got {domain!r}.")
                low, high = bounds
            elif domain.startswith("{") and domain.endswith("}"):
                choices = tuple(_expression(domain, {}))
            else:
                raise ValueError(f"parameter `{name}`: cannot read the domain {domain!r} of rule {rule!r}.")
        return cls(name=name, kind=kind, low=low, high=high, choices=choices, relations=tuple(r for r in relations if r),
                   default=default, help=help, rule=rule)

    def describe(self) -> str:
        """What the rule allows, in words (for error messages and help)."""
        what = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a text",
                "list[int]": "a non-empty list of integers", "list[float]": "a non-empty list of numbers"}[self.kind]
        if self.choices is not None:
            what += " in {" + ", ".join(repr(c) for c in self.choices) + "}"
        elif self.low is not None:
            what += f" in [{_fmt(self.low)}, {_fmt(self.high)}]"
        return what

    def check(self, value: Any) -> Any:
        """`value` converted to the declared type, or :class:`ParameterError` saying why not."""
        if self.kind.startswith("list["):
            if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
                raise ParameterError(f"`{self.name}` must be {self.describe()}; got {_describe(value)}.")
            if not value:
                raise ParameterError(f"`{self.name}` must be {self.describe()}; got [].")
            element = self.kind[5:-1]
            return [self._scalar(v, element, f"{self.name}[{i}]") for i, v in enumerate(value)]
        return self._scalar(value, self.kind, self.name)

    def _scalar(self, value: Any, kind: str, label: str) -> Any:
        wrong = ParameterError(f"`{label}` must be {self.describe()}; got {type(value).__name__} {_describe(value)}.")
        if kind == "bool":
            if not isinstance(value, bool):
                raise wrong
            return value
        if kind == "str":
            if not isinstance(value, str):
                raise wrong
            out: Any = value
        elif isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise wrong
        elif kind == "int":
            if not isinstance(value, numbers.Integral):
                if not (math.isfinite(float(value)) and float(value).is_integer()):
                    raise wrong
            out = int(float(value)) if not isinstance(value, numbers.Integral) else int(value)
        else:
            try:
                out = float(value)
            except OverflowError:
                raise ParameterError(f"`{label}` must be finite; got an integer beyond float64 ({_describe(value)}).") from None
            if not math.isfinite(out):
                raise ParameterError(f"`{label}` must be finite; got {out!r}.")
        if self.choices is not None and out not in self.choices:
            raise ParameterError(f"`{label}` must be one of {', '.join(repr(c) for c in self.choices)}; got {out!r}.")
        if self.low is not None and self.high is not None and not (self.low <= out <= self.high):
            raise ParameterError(f"`{label}` must be {self.describe()}; got {out!r}.")
        return out

    def parse_text(self, text: str) -> Any:
        """A command-line string as a value of the declared type (then checked by :meth:`check`)."""
        return parse_value(text, self.kind, name=self.name)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:,}".replace(",", "_") if isinstance(value, int) and abs(value) >= 10_000 else str(value)


_DIGITS = r"[0-9](?:_?[0-9])*"  # ASCII digits, single underscores between them (as Python's literals)
_INT_TEXT = re.compile(rf"[+-]?{_DIGITS}")
_NUMBER_TEXT = re.compile(rf"[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?[0-9]+)?")
# the largest power of ten an integer parameter may be written with (1e300 is fine; 1e1000000 is
# refused before Python builds a million-digit integer)
_MAX_EXPONENT = 4000


def parse_value(text: str, kind: str, *, name: str = "value") -> Any:
    """Turn the text of ``-p NAME VALUE`` into a value of type `kind` (no YAML guessing).

    What was typed is what runs, or the text is refused:

    * integers are decimal (``010`` is 10, ``1_000`` is 1000) and may use an exponent when the
      value is a whole number (``1e3`` and ``1.5e3`` are 1000 and 1500, computed exactly:
      ``12345678901234567890e0`` stays that integer); ``2.5`` is refused;
    * numbers accept ``1e-3``, ``.5``, ``inf`` and ``nan`` (the rule then refuses the last two);
      a non-zero text that float64 would turn into 0 or a subnormal (``1e-400``) or into
      infinity (``1e400``) is refused;
    * booleans are ``true/false/yes/no/1/0`` (any case);
    * lists are ``[1, 10, 100]`` or ``1,10,100``; an empty element (``[1,,2]``) is refused, one
      trailing comma is allowed.

    Only ASCII digits are read.

    Examples
    --------
    >>> parse_value("010", "int"), parse_value("1e-3", "float"), parse_value("[1, 10]", "list[int]")
    (10, 0.001, [1, 10])
    >>> parse_value("2.5,3", "list[float]"), parse_value("yes", "bool")
    ([2.5, 3.0], True)
    """
    if kind not in _TYPES:
        raise ValueError(f"`kind` must be one of {', '.join(_TYPES)}; got {kind!r}.")
    if not isinstance(text, str):
        raise TypeError(f"`{name}`: the value to parse must be a text; got {type(text).__name__}.")
    text = text.strip()
    bad = ParameterError(f"`{name}` must be {_KIND_WORDS[kind]}; got {text!r}.")
    if kind.startswith("list["):
        inner = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        parts = [p.strip() for p in inner.split(",")]
        if len(parts) > 1 and parts[-1] == "":
            parts = parts[:-1]  # one trailing comma, as in a Python list
        if not any(parts):
            raise ParameterError(f"`{name}` must be {_KIND_WORDS[kind]}; got {text!r}.")
        if "" in parts:
            raise ParameterError(f"`{name}[{parts.index('')}]` is empty in {text!r}; remove the extra comma.")
        return [parse_value(p, kind[5:-1], name=f"{name}[{i}]") for i, p in enumerate(parts)]
    if kind == "str":
        return text
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise bad
    if kind == "float" and text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return float(text)
    if kind == "int" and _INT_TEXT.fullmatch(text):
        return int(text.replace("_", ""), 10)
    if not _NUMBER_TEXT.fullmatch(text):
        raise bad
    exact = decimal.Decimal(text.replace("_", ""))
    if kind == "int":
        if exact.adjusted() > _MAX_EXPONENT:
            raise ParameterError(f"`{name}` must be {_KIND_WORDS[kind]} of at most {_MAX_EXPONENT} digits; got {text!r}.")
        if exact != exact.to_integral_value():
            raise bad
        return int(exact)
    number = float(exact)
    if math.isinf(number):
        raise ParameterError(f"`{name}` = {text!r} is beyond the largest float64 (1.8e308).")
    if exact != 0 and abs(number) < sys.float_info.min:
        raise ParameterError(
            f"`{name}` = {text!r} is below the smallest normal float64 (2.2e-308): it would run as "
            f"{number!r}, not as typed."
        )
    return number


_KIND_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a text",
               "list[int]": "a list of integers such as [1, 10]", "list[float]": "a list of numbers such as [2, 2.5]"}


@dataclass(frozen=True)
class ChapterSpec:
    """Every parameter of a chapter, in the order of its ``parameters`` cell."""

    parameters: dict[str, ParameterSpec] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def __iter__(self) -> Any:
        return iter(self.parameters)

    def defaults(self) -> dict[str, Any]:
        """name → default value."""
        return {name: spec.default for name, spec in self.parameters.items()}

    def check(self, values: Mapping[str, Any], *, complete: bool = False) -> dict[str, Any]:
        """Check `values` (a subset, over the defaults, unless `complete`) and every relation.

        Returns the checked values of all parameters. Raises :class:`ParameterError` naming the
        parameter, the value and the rule, or ``TypeError`` for an unknown name.
        """
        unknown = sorted(set(values) - set(self.parameters))
        if unknown:
            raise TypeError(f"unknown parameter(s) {', '.join(unknown)}; the chapter takes: {', '.join(self.parameters)}.")
        merged = dict(values) if complete else {**self.defaults(), **values}
        checked = {name: spec.check(merged[name]) for name, spec in self.parameters.items() if name in merged}
        for spec in self.parameters.values():
            for relation in spec.relations:
                try:
                    holds = _expression(relation, checked)
                except Exception as exc:  # a relation naming a missing parameter is a chapter bug
                    raise ValueError(f"parameter `{spec.name}`: cannot evaluate {relation!r} ({exc}).") from exc
                if not holds:
                    shown = ", ".join(f"{n}={checked[n]!r}" for n in sorted(_names(relation)) if n in checked)
                    raise ParameterError(f"`{spec.name}`: {relation} must hold; got {shown}.")
        return checked


def _names(expression: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


def _parameters_source(notebook: str | Path | Mapping[str, Any]) -> str:
    nb = notebook if isinstance(notebook, Mapping) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    tagged = [c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return ""
    source = tagged[0].get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def chapter_spec(notebook: str | Path | Mapping[str, Any]) -> ChapterSpec:
    """The parameter rules of a chapter, read from its ``parameters`` cell (no kernel, no eval).

    Parameters
    ----------
    notebook : path or dict
        The ``.ipynb`` file or its parsed JSON.

    Returns
    -------
    ChapterSpec
        Empty if the notebook has no cell tagged ``parameters``.

    Raises
    ------
    ValueError
        If the cell holds a parameter without a rule, or a rule that cannot be read.
    """
    source = _parameters_source(notebook)
    if not source.strip():
        return ChapterSpec()
    tree = ast.parse(source)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    comments = {t.start[0]: t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT}
    specs: dict[str, ParameterSpec] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            annotation = node.annotation
            if not (isinstance(annotation, ast.Constant) and isinstance(annotation.value, str)):
                raise ValueError(f"parameter `{node.target.id}` needs a rule as its annotation, e.g. "
                                 f"`{node.target.id}: \"int in [1, 100]\" = ...`; got {ast.unparse(annotation)!r}.")
            default = ast.literal_eval(node.value)
            name = node.target.id
            specs[name] = ParameterSpec.parse(name, annotation.value, default=default,
                                              help=comments.get(node.end_lineno or node.lineno, ""))
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            raise ValueError(f"parameter(s) {names} need a rule as annotation, e.g. `N: \"int in [2, 1000]\" = 100`.")
    return ChapterSpec(specs)


def _rule_text(annotation: str) -> str:
    """The rule of a string annotation, also under ``from __future__ import annotations``.

    With postponed evaluation (PEP 563, e.g. after that import in an earlier notebook cell) the
    annotation ``"int in [2, 100]"`` is kept as its source text, quotes included.
    """
    text = annotation.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return annotation
        if isinstance(value, str):
            return value
    return annotation


def check_parameters(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Check the parameters of the running chapter against the rules of its ``parameters`` cell.

    Call it in the cell after the ``parameters`` cell as ``params = check_parameters(globals())``:
    the rules are the string annotations of that cell (``__annotations__``), the values are the
    current ones (papermill's injected values included).

    Returns
    -------
    dict
        The checked values.

    Raises
    ------
    ParameterError
        Naming the parameter, its value and what is allowed (or a relation that fails).

    Examples
    --------
    >>> ns = {"__annotations__": {"N": "int in [2, 100]", "k": "int in [1, 10]; k < N"}, "N": 50, "k": 5}
    >>> check_parameters(ns)
    {'N': 50, 'k': 5}
    >>> check_parameters({**ns, "k": 60})
    Traceback (most recent call last):
    ...
    ampcore.book.parameters.ParameterError: `k` must be an integer in [1, 10]; got 60.
    """
    annotations = namespace.get("__annotations__", {})
    specs = {name: ParameterSpec.parse(name, _rule_text(rule)) for name, rule in annotations.items() if isinstance(rule, str)}
    if not specs:
        raise ValueError("no chapter parameters with rules found; the parameters cell declares them as "
                         "`N: \"int in [2, 1000]\" = 100  # help`.")
    missing = [name for name in specs if name not in namespace]
    if missing:
        raise ValueError(f"parameter(s) {missing} are declared but have no value.")
    return ChapterSpec(specs).check({name: namespace[name] for name in specs}, complete=True)
