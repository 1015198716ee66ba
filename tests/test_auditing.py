"""ampcore.audit and the ``ampcore audit`` command.

The audit's numbers are checked against the functions they come from and against cases with a
known answer (a true sample is worth N events; exact copies are counted); the command is run
in-process on files written by ``ampcore amplify`` and on the chapter's GAN sample, and every bad
input must give one line on stderr, exit code 1 or 2, and leave no report behind.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from ampcore.ampfactor import amplification_factor
from ampcore.amplify import bootstrap, gencopy
from ampcore.auditing import Audit, audit
from ampcore.bound import min_generated_events
from ampcore.cli import main
from ampcore.information import bin_width, effective_m
from ampcore.laws import CamelBack

NORM = stats.norm()


@pytest.fixture(scope="module")
def sample() -> tuple[np.ndarray, np.ndarray]:
    x = NORM.rvs(size=400, random_state=np.random.default_rng(1))
    return x, gencopy(x, 50, m=2.0, rng=2).sample


def test_numbers_are_those_of_the_core_functions(sample):
    x, g = sample
    out = audit(x, g, law=NORM, rng=3)
    assert isinstance(out, Audit)
    assert out.n_train == 400 and out.n_generated == 20_000 and out.gain == 50.0
    assert out.bound_n_generated == pytest.approx(float(min_generated_events(400)))
    assert out.bound_holds  # 20 000 >= 400^(3/2) = 8000
    width = bin_width(x, 2.0)
    assert out.width == pytest.approx(width) and out.origin == x.min()
    assert out.m_train == pytest.approx(effective_m(x, width, origin=x.min()))
    assert out.m_generated == pytest.approx(effective_m(g, width, origin=x.min()))
    assert out.m_expected == pytest.approx(out.m_train * math.log(20_000) / math.log(400))
    for q, value in zip(out.n_qs, out.g_eff):
        assert value == pytest.approx(amplification_factor(g, 400, n_q=q, law=NORM).gain)
    # the 90 % range of G_eff for N true events: (N_q - 1)/chi2 quantiles
    assert out.g_range_low[0] == pytest.approx(4 / stats.chi2.ppf(0.95, 4))
    assert out.g_range_high[-1] == pytest.approx(49 / stats.chi2.ppf(0.05, 49))
    assert out.tail_cut == pytest.approx(NORM.ppf(0.95)) and out.tail_true == pytest.approx(0.05)
    assert out.tail_realistic_error / out.tail_naive_error == pytest.approx(math.sqrt(50))
    assert out.copies == 0 and out.ties == 0


def test_the_mc_baseline_scores_like_the_truth_and_gencopy_does_not(sample):
    x, g = sample
    out = audit(x, g, law=NORM, rng=3)
    # An MC sample of 20 000 from the truth against a 200 000 reference: the k = 5 estimate has
    # sd ~ 0.01 nats; GenCopy at N = 400 keeps its floor KL(q_Δ||p) ~ 0.03-0.05 nats. |MC| < 0.02
    # is 2 sd; GenCopy > MC + 0.01 holds unless the floor estimate is 2 sd low.
    assert abs(out.kld_baseline) < 0.02
    assert out.kld_generated > out.kld_baseline + 0.01


def test_a_true_sample_is_worth_its_size():
    # A fresh true sample of N_G = 100 N events: G_eff should be ~ N_G / N = 100 on average; one
    # sample's G_eff = (N_q - 1)/chi2_(N_q-1) * 100, so at N_q = 50 it is in [74, 145] with 90 %
    # probability; we require [50, 250] (beyond the 99.99 % range).
    rng = np.random.default_rng(9)
    x = NORM.rvs(size=200, random_state=rng)
    out = audit(x, NORM.rvs(size=20_000, random_state=rng), law=NORM, rng=1)
    assert 50 < out.g_eff[-1] < 250


def test_exact_copies_and_ties_are_counted():
    x = NORM.rvs(size=300, random_state=np.random.default_rng(2))
    out = audit(x, bootstrap(x, 10, rng=1).sample, law=NORM, rng=3)
    assert out.copies == 3000  # every bootstrap event is a training event
    assert out.ties == 3000 - np.unique(bootstrap(x, 10, rng=1).sample).size
    assert any("ties" in note for note in out.notes)
    assert not math.isfinite(out.kld_generated) or out.kld_generated > 1  # +inf or huge, FNN's rule


def test_a_reference_sample_instead_of_a_law(sample):
    x, g = sample
    ref = NORM.rvs(size=30_000, random_state=np.random.default_rng(4))
    out = audit(x, g, reference=ref, rng=3)
    assert out.truth == "reference (holdout) sample"
    assert out.kld_size == 15_000 and "holdout" in out.baseline  # the holdout caps the size
    assert abs(out.kld_baseline) < 0.03  # holdout vs the rest of the reference: sd ~ 0.01
    assert out.tail_true == pytest.approx(0.05, abs=0.005)


def test_no_truth_and_two_dimensions():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 2))
    out = audit(x, rng.normal(size=(2000, 2)), rng=1)
    assert out.dim == 2 and out.n_qs == () and math.isnan(out.kld_generated) and math.isnan(out.m_train)
    assert any("No truth" in n for n in out.notes) and any("1-D" in n for n in out.notes)
    table = out.table()
    assert list(table.columns) == ["check", "value", "what it means"]
    assert "n/a" in set(table["value"])
    ref = rng.normal(size=(5000, 2))
    with_ref = audit(x, rng.normal(size=(2000, 2)), reference=ref, rng=1)
    assert math.isfinite(with_ref.kld_generated)


def test_table_plot_and_html(sample):
    x, g = sample
    out = audit(x, g, law=NORM, rng=3)
    table = out.table()
    assert len(table) == 15 + len(out.n_qs)
    assert table.loc[table["check"] == "bound 2 ln N_G >= 3 ln N", "value"].item() == "holds"
    fig = out.plot()
    assert len(fig.axes) == 4
    page = out.html(title="t <1>")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page and "t &lt;1&gt;" in page
    assert set(out.headline()) >= {"gain", "g_eff", "kld_generated", "copies"}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"generated": np.zeros(10)}, ValueError, "at least as large as `train`"),
        ({"generated": np.full(500, np.nan)}, ValueError, "`generated` must be finite"),
        ({"generated": np.zeros((500, 2))}, ValueError, "same dimension"),
        ({"law": NORM, "reference": np.zeros(1000)}, ValueError, "at most one"),
        ({"k": 0}, ValueError, "`k`"),
        ({"m": -1.0}, ValueError, "`m`"),
        ({"generated": np.array(["a"] * 500)}, TypeError, "real numbers"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    x = NORM.rvs(size=100, random_state=np.random.default_rng(1))
    args = {"generated": NORM.rvs(size=500, random_state=np.random.default_rng(2)), **kwargs}
    generated = args.pop("generated")
    with pytest.raises(error, match=match):
        audit(x, generated, **args)


# --- the command ----------------------------------------------------------------------------------


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    def call(*args: str, cwd: Path) -> tuple[int, str, str]:
        capsys.readouterr()
        with monkeypatch.context() as m:
            m.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


@pytest.fixture
def files(tmp_path: Path, cli) -> Path:
    rng = np.random.default_rng(7)
    np.save(tmp_path / "train.npy", rng.normal(size=500))
    code, _, err = cli("amplify", "train.npy", "--gain", "40", "--m", "2.5", "--seed", "1", "-o", "amp.npy", cwd=tmp_path)
    assert code == 0, err
    np.save(tmp_path / "two_d.npy", rng.normal(size=(600, 2)))
    np.save(tmp_path / "nan.npy", np.r_[rng.normal(size=600), np.nan])
    np.save(tmp_path / "ref.npy", rng.normal(size=20_000))
    (tmp_path / "words.txt").write_text("1\n2\nabc\n")
    return tmp_path


def test_cli_on_files_written_by_ampcore_amplify(cli, files: Path):
    code, out, err = cli("audit", "train.npy", "amp.npy", "--law", "norm", "--seed", "2", "-o", "report.html", cwd=files)
    assert code == 0, err
    assert "gain G = N_G / N" in out and "40.00" in out and "holds" in out and "wrote report.html" in out
    assert "amplification factor, N_q = 50" in out
    assert "ampcore audit: kNN divergences" in err  # progress on stderr
    page = (files / "report.html").read_text(encoding="utf-8")
    assert "<table" in page and "data:image/png;base64," in page
    assert not list(files.glob(".report.*"))  # no temporary file left
    code, out, _ = cli("audit", "train.npy", "amp.npy", "--reference", "ref.npy", "--quiet", cwd=files)
    assert code == 0 and "holdout" in out


BAD = [
    (["audit", "amp.npy", "train.npy", "--law", "norm", "-o", "r.html"], 1, ["smaller than the training sample"]),
    (["audit", "train.npy", "nan.npy", "-o", "r.html"], 1, ["nan.npy", "NaN"]),
    (["audit", "train.npy", "two_d.npy", "-o", "r.html"], 1, ["same dimension", "(500,)", "(600, 2)"]),
    (["audit", "train.npy", "amp.npy", "--law", "cauchy", "-o", "r.html"], 2, ["unknown law", "cauchy", "norm"]),
    (["audit", "train.npy", "missing.npy", "-o", "r.html"], 1, ["missing.npy", "does not exist"]),
    (["audit", "train.npy", "words.txt", "-o", "r.html"], 1, ["words.txt", "not a numeric"]),
    (["audit", "train.npy", "amp.npy", "--law", "norm", "--reference", "ref.npy"], 2, ["not allowed with"]),
    (["audit", "train.npy", "amp.npy", "-o", "r.pdf"], 2, ["r.pdf", ".html"]),
    (["audit", "train.npy", "amp.npy", "-o", "nowhere/r.html"], 1, ["nowhere", "does not exist"]),
    (["audit", "train.npy", "amp.npy", "-k", "0"], 2, ["`k`"]),
    (["audit", "two_d.npy", "two_d.npy", "--law", "norm"], 1, ["--law", "1-D"]),
]


@pytest.mark.parametrize(("args", "code", "needles"), BAD, ids=[" ".join(a[1:]) for a, _, _ in BAD])
def test_cli_bad_input_is_one_line_and_leaves_no_report(cli, files: Path, args, code, needles):
    before = {p.name for p in files.iterdir()}
    got, _, err = cli(*args, cwd=files)
    assert got == code, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ampcore: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert {p.name for p in files.iterdir()} == before


def test_cli_on_the_chapters_gan_sample(cli, tmp_path: Path):
    pytest.importorskip("jax", reason="the GAN needs the [gan] extra")
    from ampcore.book.parameters import chapter_spec
    from ampcore.studies import gan_audit_sample

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "08_generative.ipynb"
    defaults = {name: p.default for name, p in chapter_spec(notebook).parameters.items()}
    train, generated, _ = gan_audit_sample(CamelBack(), defaults["N"], gain=defaults["audit_gain"],
                                           gan_options={"steps": defaults["gan_steps"]}, seed=defaults["seed"])
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "gan.npy", generated)
    code, out, err = cli("audit", "train.npy", "gan.npy", "--law", "camel", "--seed", "1", "-o", "gan.html", cwd=tmp_path)
    assert code == 0, err
    assert "exact copies of training events            0" in out  # a GAN makes new values
    assert (tmp_path / "gan.html").stat().st_size > 10_000
