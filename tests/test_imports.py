"""Light paths stay light: the bound and the command line's arithmetic import numpy only.

Each check runs in a fresh interpreter (this test process has long since imported everything)
and reads ``sys.modules`` at exit. ``scipy``, ``pandas``, ``matplotlib``, ``jax``, scikit-learn
and ``numpy.ma`` cost from tens of milliseconds to a second each; ``ampcore bound 2000`` needs
none of them (benchmarks/cli_startup.py times it against the bare interpreter).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

HEAVY = ("scipy", "pandas", "matplotlib", "jax", "sklearn", "numpy.ma")

# printed at interpreter exit, after whatever the code did (also after a SystemExit)
REPORT = f"""
import atexit, sys
atexit.register(lambda: print("LOADED:" + ",".join(m for m in {HEAVY!r} if m in sys.modules)))
"""


def loaded_after(code: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", REPORT + textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = [row for row in proc.stdout.splitlines() if row.startswith("LOADED:")]
    assert len(line) == 1, proc.stdout
    return set(filter(None, line[0].removeprefix("LOADED:").split(",")))


def test_the_probe_sees_a_heavy_import() -> None:
    """Positive control: the check does report a heavy module when one is imported."""
    assert loaded_after("import pandas") >= {"pandas"}
    assert loaded_after("import numpy as np; np.ma.masked_array([1.0])") == {"numpy.ma"}


def test_cli_bound_is_light() -> None:
    loaded = loaded_after("""
        import ampcore.cli
        assert ampcore.cli.main(["bound", "2000"]) == 0
    """)
    assert loaded == set()


def test_python_m_ampcore_bound_is_light() -> None:
    """The real entry point (``python -m ampcore``, which the ``ampcore`` script also runs)."""
    loaded = loaded_after("""
        import runpy
        sys.argv = ["ampcore", "bound", "2000", "--m-train", "2", "--m-gen", "3"]
        runpy.run_module("ampcore", run_name="__main__", alter_sys=True)
    """)
    assert loaded == set()


@pytest.mark.parametrize(
    "call",
    [
        "ampcore.min_gain(2000)",
        "ampcore.min_generated_events([100, 2000], 2.0, 3.0)",
        "ampcore.information_content(2000)",
        "ampcore.satisfies_bound(2000, 10**5)",
        "ampcore.generated_m(2000, 10**5)",
    ],
)
def test_bound_functions_are_light(call: str) -> None:
    assert loaded_after(f"import ampcore\n{call}") == set()


def test_masked_arrays_are_still_refused_once_numpy_ma_exists() -> None:
    """reject_masked looks numpy.ma up in sys.modules instead of importing it: still refused."""
    import numpy as np

    from ampcore import min_gain

    with pytest.raises(ValueError, match="masked array with 1 masked value"):
        min_gain(np.ma.masked_array([100.0, 200.0], mask=[False, True]))


def test_cli_audit_prints_its_verdict_without_pandas_or_matplotlib(tmp_path) -> None:
    """The audit needs scipy (its laws and tests), not pandas or matplotlib, to print its screen."""
    import numpy as np

    rng = np.random.default_rng(1)
    np.save(tmp_path / "t.npy", rng.normal(size=200))
    np.save(tmp_path / "g.npy", rng.normal(size=4000))
    loaded = loaded_after(f"""
        import ampcore.cli
        assert ampcore.cli.main(["audit", {str(tmp_path / 't.npy')!r}, {str(tmp_path / 'g.npy')!r},
                                 "--law", "norm", "--quiet"]) == 0
    """)
    assert not loaded & {"pandas", "matplotlib", "jax", "sklearn"}, loaded
