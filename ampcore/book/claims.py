"""Which of a chapter's findings still hold on a re-run: its claim tests, run on the re-run's records.

Every chapter has claim tests, ``tests/test_chapter_NN_topic.py``: each test checks one finding of
the chapter's "What we found" on the records of a run (:func:`ampcore.book.runner.executed_records`).
:func:`check_claims` runs them with pytest on the records of *another* run (a re-run at new
parameters, through ``$AMPBOOK_RUN_NOTEBOOK``) and returns, for each test,

* the finding it checks: the first line of the test's docstring, else its name in words
  (``test_goldilocks_rule_returns_m`` → "Goldilocks rule returns m");
* whether it still holds (``"holds"``: every assertion passed; ``"fails"``: an assertion failed;
  ``"not measured"``: the test could not evaluate it at these parameters, e.g. it reads the
  record of a training size this run did not use, or was skipped);
* its statistic at the new values: the left and right sides of its assertions as pytest shows
  them (``0.0031 < 0.01``), captured with pytest's ``pytest_assertion_pass`` hook.

This module is also the pytest plugin that collects them (``-p ampcore.book.claims``).

Provenance: no formula here (test orchestration only).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Claim", "check_claims", "claim_tests", "RUN_NOTEBOOK_ENV", "claims_markdown", "claims_text"]

from .runner import RUN_NOTEBOOK_ENV

_OUT_ENV = "AMPBOOK_CLAIMS_OUT"
SYMBOLS = {"holds": "✓", "fails": "✗", "not measured": "–"}


@dataclass(frozen=True)
class Claim:
    """One claim test's verdict on a run.

    Attributes
    ----------
    test : str
        The test's name (``test_goldilocks_rule_returns_m``).
    finding : str
        The finding it checks, in words.
    outcome : {"holds", "fails", "not measured"}
    statistic : str
        The compared values (``0.031 < 0.05; 0.0072 < 0.015``), or why it was not measured.
    """

    test: str
    finding: str
    outcome: str
    statistic: str

    @property
    def symbol(self) -> str:
        """✓, ✗ or –."""
        return SYMBOLS[self.outcome]


def claim_tests(book: str | os.PathLike[str], stem: str) -> Path | None:
    """The claim-test file of chapter `stem` (``NN_topic``) in `book`, or None."""
    path = Path(book) / "tests" / f"test_chapter_{stem}.py"
    return path if path.is_file() else None


def _short_numbers(text: str) -> str:
    """Floats to 4 significant digits: ``0.0031234567 < 0.01`` → ``0.003123 < 0.01``."""
    return re.sub(r"-?\d+\.\d{5,}(?:e[-+]?\d+)?", lambda m: f"{float(m.group(0)):.4g}", text)


def _informative(expl: str) -> str | None:
    first = expl.strip().splitlines()[0].strip() if expl.strip() else ""
    if not first or first in ("True", "False") or first.startswith("True ") and "where" in first:
        return None
    return _short_numbers(first)


def check_claims(
    notebook: str | os.PathLike[str], tests: str | os.PathLike[str], *, timeout: float = 600.0
) -> tuple[Claim, ...]:
    """Run the claim tests `tests` on the records of the executed `notebook`.

    Parameters
    ----------
    notebook : path
        An executed chapter (a re-run).
    tests : path
        Its claim-test file (:func:`claim_tests`).
    timeout : float
        Seconds pytest may take.

    Returns
    -------
    tuple of Claim
        In the order of the test file.
    """
    source, test_file = Path(notebook).resolve(), Path(tests).resolve()
    if not source.is_file():
        raise FileNotFoundError(f"`notebook` {str(source)!r} does not exist.")
    if not test_file.is_file():
        raise FileNotFoundError(f"`tests` {str(test_file)!r} does not exist.")
    with tempfile.TemporaryDirectory(prefix="ampcore-claims-") as tmp:
        out = Path(tmp) / "claims.json"
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        env.update({RUN_NOTEBOOK_ENV: str(source), _OUT_ENV: str(out),
                    # a fresh assertion rewrite: the pass hook needs one (pytest's docs)
                    "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")})
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "ampcore.book.claims",
                   "-o", "addopts=", "-o", "enable_assertion_pass_hook=true", "--rootdir", str(test_file.parent),
                   "-W", "ignore::pytest.PytestAssertRewriteWarning", str(test_file)]
        subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp)
        if not out.is_file():
            raise RuntimeError(f"the claim tests {test_file.name} did not run")
        rows = json.loads(out.read_text(encoding="utf-8"))
    return tuple(Claim(**row) for row in rows)


def claims_text(claims: tuple[Claim, ...]) -> str:
    """The verdicts as terminal lines: ``✓ Goldilocks rule returns m  (0.031 < 0.05)``."""
    return "\n".join(f"  {c.symbol} {c.finding}  ({c.statistic})" if c.statistic else f"  {c.symbol} {c.finding}"
                     for c in claims)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def claims_markdown(claims: tuple[Claim, ...]) -> str:
    """The verdicts as a MyST table (finding, verdict, statistic at this run's values)."""
    lines = ["| | finding | at these parameters |", "|:-:|:--|:--|"]
    for c in claims:
        stat = c.statistic.replace("`", "'")
        lines.append(f"| {c.symbol} | {_cell(c.finding)} | {'`' + _cell(stat) + '`' if stat else ''} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# the pytest plugin (``-p ampcore.book.claims``), in the pytest process of check_claims

_PASSED: dict[str, list[str]] = {}
_ROWS: list[dict[str, str]] = []
_DOCS: dict[str, str] = {}


def _finding(item: Any) -> str:
    doc = getattr(getattr(item, "obj", None), "__doc__", None) or ""
    first = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    if first:
        return first
    words = re.sub(r"(\d)p(\d)", r"\1.\2", item.name.split("[")[0].removeprefix("test_")).replace("_", " ")
    suffix = f" [{item.name.split('[', 1)[1]}" if "[" in item.name else ""
    return words[:1].upper() + words[1:] + suffix


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        _DOCS[item.nodeid] = _finding(item)


def pytest_assertion_pass(item: Any, lineno: int, orig: str, expl: str) -> None:
    shown = _informative(expl)
    if shown:
        _PASSED.setdefault(item.nodeid, []).append(shown)


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call" or (report.when == "setup" and not report.passed):
        name = report.nodeid.split("::")[-1]
        if report.passed:
            outcome, stat = "holds", "; ".join(_PASSED.get(report.nodeid, [])[:3])
        elif report.skipped:
            outcome = "not measured"
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            stat = str(reason).removeprefix("Skipped: ")
        else:
            crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
            message = (crash.message if crash is not None else str(report.longrepr)).strip()
            first = message.splitlines()[0] if message else ""
            if first.startswith("AssertionError") or first.startswith("assert "):
                outcome = "fails"
                stat = _short_numbers(first.removeprefix("AssertionError: "))
                lines = message.splitlines()
                if first.startswith("AssertionError: ") and len(lines) > 1:  # `assert x, "what"`: what, then x
                    stat = f"{stat}: {_short_numbers(lines[1].strip())}"
                if stat in ("assert False", "assert True", "AssertionError"):  # say what was asserted
                    source = [line[1:].strip() for line in str(report.longreprtext).splitlines() if line.startswith(">")]
                    stat = f"{source[-1]} is false" if source else stat
            else:
                outcome = "not measured"
                stat = f"cannot be evaluated at these parameters ({_short_numbers(first)})"
        _ROWS.append({"test": name, "finding": _DOCS.get(report.nodeid, name), "outcome": outcome, "statistic": stat})


def pytest_sessionfinish(session: Any) -> None:
    out = os.environ.get(_OUT_ENV)
    if out:
        Path(out).write_text(json.dumps(_ROWS, ensure_ascii=False), encoding="utf-8")
