"""Hostile inputs on the newer surfaces (GAN, d-D cells, divergence, amplify, writers, stores).

Each family is table-driven: a case is refused with an error that names what the user passed
(never a parameter they did not), or the result is right. ``REFUSED`` + ``MEMORY`` + ``WRITER`` +
``CLI`` + the store and dither cases are the cases counted in the report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ampcore as A
from ampcore import _validation as V
from ampcore.cells import cell_histogram

RNG = np.random.default_rng(22)
X = RNG.normal(size=400)
Y = RNG.normal(size=500)
PTS = RNG.normal(size=(400, 2))

# (label, call, exception, words the one-line message must contain, words it must not contain)
REFUSED = [
    # rank-deficient point clouds in d > 1: the kNN estimate would be wrong without a word
    ("kld constant axis", lambda: A.kl_divergence(np.c_[X, np.zeros(400)], np.c_[Y, np.zeros(500)], 5),
     ValueError, ["`x`", "constant", "axis 1"], []),
    ("kld duplicated axis", lambda: A.kl_divergence(np.c_[X, X], np.c_[Y, Y], 5), ValueError, ["`x`", "linearly dependent"], []),
    ("kld derived axis in y", lambda: A.kl_divergence(PTS, np.c_[Y, 2 * Y + 1], 5), ValueError, ["`y`", "linearly dependent"], []),
    ("kl_distance constant axis", lambda: A.kl_distance(np.c_[X, np.ones(400)], np.c_[Y, np.ones(500)], 5),
     ValueError, ["`x`", "constant"], []),
    # d-D cells far from the origin: as the 1-D path
    ("cell_histogram far", lambda: cell_histogram(PTS + 1e17, 0.1), ValueError, ["`width`", "cannot be resolved"], []),
    ("GenCopyCells far", lambda: A.GenCopyCells(width=0.5).fit(PTS + 1e17), ValueError, ["`width`", "cannot be resolved"], []),
    ("effective_m_cells far", lambda: A.effective_m_cells(PTS + 1e17, 0.1), ValueError, ["`width`", "cannot be resolved"], []),
    ("cell_histogram far origin", lambda: cell_histogram(PTS, 0.1, origin=[1e17, 0.0]), ValueError, ["`origin`", "cannot be resolved"], []),
    # the GAN on data whose scale overflows
    ("GAN x*1e300", lambda: A.GAN(steps=5).fit(X * 1e300), ValueError, ["`x`", "overflows", "rescale"], []),
    ("GAN x*1e307 2-D", lambda: A.GAN(steps=5).fit(PTS * 1e307), ValueError, ["`x`", "overflows"], []),
    ("GAN boolean sample", lambda: A.GAN(steps=5).fit(X > 0), TypeError, ["`x`", "booleans"], []),
    ("GAN steps beyond int32", lambda: A.GAN(steps=2**40).fit(X), ValueError, ["`steps`"], []),
    # zero spread, as gencopy and smoothed_bootstrap
    ("refit_normal equal values", lambda: A.refit_normal([1.0, 1.0], 3), ValueError, ["`x`", "zero spread"], []),
    ("RefitNormal equal values", lambda: A.RefitNormal().fit(np.full(50, 2.5)), ValueError, ["`x`", "zero spread"], []),
    ("refit_normal overflowing spread", lambda: A.refit_normal(X * 1e306, 2), ValueError, ["`x`", "overflows"], []),
    # messages naming what the user passed
    ("gencopy entropy_method foo", lambda: A.gencopy(X, 3, m=2, entropy_method="foo"), ValueError, ["`entropy_method`"], ["`method`"]),
    ("gencopy_log entropy_method foo", lambda: A.gencopy_log(np.exp(X), 3, m=2, entropy_method="foo"), ValueError,
     ["`entropy_method`"], ["`method`"]),
    ("GenCopy entropy_method with width", lambda: A.GenCopy(width=0.2, entropy_method=3).fit(X), ValueError, ["`entropy_method`"], []),
    ("gencopy denormal data", lambda: A.gencopy(X * 1e-310, 3, m=2), ValueError, ["estimated from `x`", "rescale"], ["m >= -"]),
    ("bin_width denormal data", lambda: A.bin_width(X * 1e-310, 2), ValueError, ["estimated from `x`"], ["m >= -", "`h`"]),
    ("goldilocks_width h below float64", lambda: A.goldilocks_width(500, 2, -712.0), ValueError, ["`h`"], ["m >= -"]),
    ("nn_entropy span overflows", lambda: A.nn_entropy([-1.7e308, 1.7e308, 1.6e308]), ValueError, ["`x`", "spans"], []),
    ("gencopy rounded data hint", lambda: A.gencopy(np.round(X, 2), 3, m=2), ValueError, ["`dither=True`"], []),
    ("GenCopyCells law without entropy", lambda: A.GenCopyCells(m=2, law=_InfiniteLaw()).fit(PTS),
     ValueError, ["`law`"], ["`h`"]),
    # the one point validator everywhere
    ("amplify_gaussian_mean masked", lambda: A.amplify_gaussian_mean(np.ma.masked_array([1.0, 2.0, 3.0], [0, 0, 1]), 5),
     ValueError, ["`x`", "masked"], []),
    ("GAN masked", lambda: A.GAN(steps=5).fit(np.ma.masked_array(X, X > 2)), ValueError, ["`x`", "masked"], []),
    ("cell_histogram masked", lambda: cell_histogram(np.ma.masked_array(PTS, PTS > 2), 0.5), ValueError, ["`x`", "masked"], []),
    ("GaussianND.pdf masked", lambda: A.GaussianND(2).pdf(np.ma.masked_array(PTS, PTS > 2)), ValueError, ["`x`", "masked"], []),
    ("Shell.logpdf text", lambda: A.Shell(2).logpdf(np.array([["a", "b"]])), TypeError, ["`x`", "real numbers"], []),
    ("GaussianMeanTest.statistic bools", lambda: A.GaussianMeanTest(5).statistic(np.array([True, False])), TypeError, ["`sample`"], []),
    ("cells huge integers", lambda: cell_histogram(np.arange(10, dtype=np.int64)[:, None] * 2**55, 1.0), ValueError, ["`x`", "2**53"], []),
]


class _InfiniteLaw:
    """A d-D law whose entropy is infinite (as a law with a point mass would report)."""

    dim = 2

    def entropy(self) -> float:
        return float("inf")


@pytest.mark.parametrize(("label", "call", "exc", "words", "absent"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_one_line_naming_what_was_passed(label, call, exc, words, absent):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert "\n" not in message.strip(), message
    for word in words:
        assert word in message, (word, message)
    for word in absent:
        assert word not in message, (word, message)


def test_a_full_rank_d_d_sample_is_still_measured():
    # a strongly correlated but genuinely 2-D cloud is not a subspace
    z = RNG.normal(size=(400, 2))
    x = np.c_[z[:, 0], z[:, 0] + 1e-3 * z[:, 1]]
    assert np.all(np.isfinite(A.kl_divergence(x, x[::-1] + 1e-4, 3)))


def test_data_near_float64_s_largest_values_is_amplified_finitely():
    out = A.gencopy(X * 1e307, 3, m=2, rng=1)  # the entropy estimate used to overflow to inf
    assert np.all(np.isfinite(out.sample)) and np.isfinite(out.width)


@pytest.mark.filterwarnings("ignore::ampcore.generators.base.ConvergenceWarning")  # short GANs: the refusals are tested, not the fit
def test_gan_output_that_overflows_is_refused():
    model = A.GAN(steps=20, seed=1).fit(X)
    big = type(model)(**{**model.__dict__, "scale": np.array([1e308])})
    with pytest.raises(ValueError, match="overflow float64"):
        big.sample(1000, rng=0)


# --- limits checked before work -----------------------------------------------------------------

MEMORY = [
    ("GAN steps 1e9 x 44 bytes", lambda: A.GAN(steps=2**31 - 1).fit(X), "steps"),
    ("GANModel.sample 1e13", lambda: _gan().sample(10**13), "size"),
    ("GANModel.sample 2-D 1e10", lambda: _gan(2).sample(10**10), "size"),
]


def _gan(dim: int = 1):
    return A.GAN(steps=10, seed=0).fit(X if dim == 1 else PTS)


@pytest.mark.filterwarnings("ignore::ampcore.generators.base.ConvergenceWarning")  # short GANs: the refusals are tested, not the fit
@pytest.mark.parametrize(("label", "call", "param"), MEMORY, ids=[m[0] for m in MEMORY])
def test_memory_is_checked_before_work(monkeypatch, label, call, param):
    monkeypatch.setenv(V.MEMORY_LIMIT_ENV, "2G")
    with pytest.raises(MemoryError) as info:
        call()
    assert f"`{param}`" in str(info.value) and "nothing was allocated" in str(info.value)


# --- dither: every hint names an option that exists --------------------------------------------

@pytest.mark.parametrize("data", [np.round(X, 2), X.astype(np.float16)], ids=["rounded to 0.01", "float16"])
def test_rounded_and_low_precision_data_amplify_with_dither(data):
    with pytest.raises(ValueError, match="dither=True"):
        A.gencopy(data, 3, m=2, rng=1)
    out = A.gencopy(data, 3, m=2, dither=True, rng=1)
    again = A.gencopy(data, 3, m=2, dither=True, rng=1)
    assert np.array_equal(out.sample, again.sample)  # the width does not depend on luck
    # the width is the one of the unrounded data within the rounding's effect on the entropy
    # (0.01 steps on a unit Normal: the nn entropy moves by well under 0.1 nats, the width by 10 %)
    assert abs(out.width / A.gencopy(X, 3, m=2, rng=1).width - 1) < 0.1
    assert A.gencopy_log(np.exp(data.astype(float)), 2, m=2, dither=True, rng=1).n_generated == 2 * data.size


def test_break_ties_keeps_tie_free_data_and_breaks_ties_within_the_step():
    assert np.array_equal(A.break_ties(X, rng=1), X)
    rounded = np.round(X, 2)
    broken = A.break_ties(rounded, rng=1)
    assert np.unique(broken).size == broken.size and np.max(np.abs(broken - rounded)) <= 0.005 + 1e-12
    with pytest.raises(ValueError, match="all 3 values equal"):
        A.break_ties([1.0, 1.0, 1.0])


# --- the one output writer ---------------------------------------------------------------------

def _writer_case(tmp_path: Path, case: str) -> tuple[Path, dict, type, str]:
    from ampcore import _output as O

    data = tmp_path / "data.npy"
    data.write_bytes(b"precious")
    if case == "the input":
        return data, {"inputs": [data]}, O.UnsafeOutput, "is the input"
    if case == "a hard link to the input":
        os.link(data, tmp_path / "hard.npy")
        return tmp_path / "hard.npy", {"inputs": [data], "force": True}, O.UnsafeOutput, "is the input"
    if case == "a symlink to the input":
        (tmp_path / "r.html").symlink_to("data.npy")
        return tmp_path / "r.html", {"inputs": [data], "force": True}, O.UnsafeOutput, "is the input"
    if case == "a symlink to another file":
        (tmp_path / "r.html").symlink_to("data.npy")
        return tmp_path / "r.html", {"force": True}, O.UnsafeOutput, "symbolic link"
    if case == "a dangling symlink":
        (tmp_path / "r.html").symlink_to("nowhere.html")
        return tmp_path / "r.html", {"force": True}, O.UnsafeOutput, "symbolic link"
    if case == "an existing file":
        return data, {}, O.OutputExists, "--force"
    if case == "a folder":
        (tmp_path / "d").mkdir()
        return tmp_path / "d", {"force": True}, O.UnsafeOutput, "folder"
    if case == "a missing folder":
        return tmp_path / "no" / "r.html", {}, O.OutputFolderMissing, "does not exist"
    raise AssertionError(case)


WRITER = ["the input", "a hard link to the input", "a symlink to the input", "a symlink to another file",
          "a dangling symlink", "an existing file", "a folder", "a missing folder"]


@pytest.mark.parametrize("case", WRITER)
def test_the_writer_never_destroys_data(tmp_path, case):
    from ampcore import _output as O

    target, options, exc, words = _writer_case(tmp_path, case)
    before = {p: (p.is_symlink(), p.read_bytes() if p.is_file() else None) for p in tmp_path.rglob("*")}
    with pytest.raises(exc, match=words):
        O.write_text(target, "<html>report</html>", **options)
    after = {p: (p.is_symlink(), p.read_bytes() if p.is_file() else None) for p in tmp_path.rglob("*")}
    assert after == before


def test_the_writer_replaces_only_with_force_keeping_the_mode(tmp_path):
    from ampcore import _output as O

    target = tmp_path / "r.html"
    O.write_text(target, "one")
    target.chmod(0o640)
    O.write_text(target, "two", force=True)
    assert target.read_text() == "two" and target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temporary left


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    from ampcore import _output as O

    target = tmp_path / "r.npy"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), O.atomic_output(target, force=True) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["r.npy"]


def test_copy_files_touches_only_its_own_files(tmp_path):
    from ampcore import _output as O

    source, folder = tmp_path / "static", tmp_path / "out"
    (source / "sub").mkdir(parents=True)
    (source / "a.css").write_text("new a")
    (source / "sub" / "b.js").write_text("new b")
    folder.mkdir()
    (folder / "a.css").write_text("the user's own a")
    (folder / "mine.txt").write_text("the user's")
    with pytest.raises(O.OutputExists, match="a.css"):
        O.copy_files(source, folder)
    assert not (folder / "sub").exists()  # refused before anything was written
    O.copy_files(source, folder, force=True)
    assert (folder / "a.css").read_text() == "new a" and (folder / "mine.txt").read_text() == "the user's"


# --- the command line ---------------------------------------------------------------------------

def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "ampcore", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    np.save(tmp_path / "train.npy", X)
    np.save(tmp_path / "rounded.npy", np.round(X, 2))
    np.save(tmp_path / "half.npy", X.astype(np.float16))
    shutil.copy(tmp_path / "train.npy", tmp_path / "t.npy")
    return tmp_path


CLI = [
    # (arguments, exit code, words of the one-line error)
    (["amplify", "rounded.npy", "--gain", "3", "--m", "2", "-o", "out.npy"], 1, ["--dither"]),
    (["amplify", "half.npy", "--gain", "3", "--m", "2", "-o", "out.npy"], 1, ["--dither"]),
    (["amplify", "train.npy", "--gain", "3", "--m", "2", "-o", "link.npy", "--force"], 2, ["symbolic link"]),
    (["amplify", "train.npy", "--gain", "3", "--m", "2", "-o", "tlink.npy", "--force"], 2, ["is the input"]),
]


@pytest.mark.parametrize(("args", "code", "words"), CLI, ids=[" ".join(c[0]) for c in CLI])
def test_the_command_line(folder, args, code, words):
    (folder / "other.npy").write_bytes(b"someone's data")
    (folder / "link.npy").symlink_to("other.npy")
    (folder / "tlink.npy").symlink_to("train.npy")
    before = {p: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    proc = _run(*args, cwd=folder)
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), proc.stderr
    assert "dither=True" not in proc.stderr  # an option the command line does not have
    assert {p: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


def test_amplify_dither_on_the_command_line(folder):
    proc = _run("amplify", "rounded.npy", "--gain", "3", "--m", "2", "--dither", "--seed", "1", "-o", "out.npy", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert np.load(folder / "out.npy").size == 3 * X.size


def test_audit_report_never_written_through_a_link(folder):
    """The case found: a link planted at the report path pointing to the training data."""
    np.save(folder / "gen.npy", A.gencopy(X, 3, m=2, rng=1).sample)
    (folder / "r.html").symlink_to("t.npy")
    proc = _run("audit", "t.npy", "gen.npy", "--law", "norm", "-o", "r.html", "--quiet", "--seed", "1", cwd=folder)
    assert proc.returncode == 2, proc.stderr
    assert "is the input" in proc.stderr and np.array_equal(np.load(folder / "t.npy"), X)
    (folder / "r.html").unlink()
    (folder / "r.html").symlink_to("train.npy")  # not an input of this command, still a link
    proc = _run("audit", "t.npy", "gen.npy", "--law", "norm", "-o", "r.html", "--quiet", "--seed", "1", "--force", cwd=folder)
    assert proc.returncode == 2 and "symbolic link" in proc.stderr, proc.stderr
    assert np.array_equal(np.load(folder / "train.npy"), X)


# --- read-only results stores -------------------------------------------------------------------

def _make_read_only(paths: list[Path]) -> bool:
    """Make `paths` unwritable even for root (chattr +i) or by permissions; False if impossible."""
    if os.geteuid() != 0:
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        return True
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True).returncode == 0


def _writable_again(paths: list[Path]) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
    else:
        for p in paths:
            p.chmod(0o755 if p.is_dir() else 0o644)


@pytest.mark.parametrize("what", ["file and folder", "folder"])
def test_a_read_only_store_is_read_and_refuses_writes_saying_read_only(tmp_path, what):
    from ampcore.studies.store import ResultsStore, StoreError

    home = tmp_path / "store"
    home.mkdir()
    path = home / "sweep.sqlite"
    with ResultsStore(path) as store:
        store.add({"n": 1}, {"rows": [{"v": 2.5}]})
    locked = [path, home] if what == "file and folder" else [home]
    if not _make_read_only(locked):
        pytest.skip("cannot make a file read-only here")
    try:
        with ResultsStore(path) as store:
            assert store.read_only and len(store) == 1
            assert store.get_many([{"n": 1}]) == {'{"n":1}': {"rows": [{"v": 2.5}]}}
            assert store.claim({"n": 1}) == ("done", {"rows": [{"v": 2.5}]})  # a finished sweep is read
            with pytest.raises(StoreError, match="read-only"):
                store.claim({"n": 2})
            with pytest.raises(StoreError, match="read-only"):
                store.add({"n": 2}, {"rows": []})
        assert sorted(p.name for p in home.iterdir()) == ["sweep.sqlite"]
    finally:
        _writable_again(locked)
