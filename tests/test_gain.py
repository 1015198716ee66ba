"""Tests of ampcore.studies.gain: the gain grid, its floor table, curves and region floors.

Execution back ends, seeding, resuming and grid checks common to every study are tested in
test_engine.py; here the grid's own rows and summaries.
"""

from __future__ import annotations

import math
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ampcore import fisher_information, floor_terms, gencopy, histogram_kl, kld_gain_law
from ampcore.information import bin_width, effective_m
from ampcore.laws import Reference
from ampcore.logspace import log_floor
from ampcore.studies import BINNING_AMPLIFIERS, GainGrid, Trial, run_grid, seed_matrix

LOGNORMAL = stats.lognorm(1.0)
LAWS = {"normal": stats.norm(), "lognormal": LOGNORMAL}
GRID = dict(replicates=2, reference_size=20_000, k=5, workers=1)  # in-process: pools are tested in test_engine.py
COLUMNS = [
    "law", "n", "m", "gain", "amplifier", "replicate", "n_generated", "width", "origin", "m_eff",
    "m_generated", "bound", "kld_nats", "kld_mc_nats", "floor_nats", "noise_nats", "bias_nats", "law_nats",
    "kld_vector",
]


def small_grid(**kwargs) -> GainGrid:
    return run_grid(LAWS, [300, 500], [2.0, 3.0], [1, 4], **{**GRID, **kwargs})


@pytest.fixture(scope="module")
def small() -> GainGrid:
    return small_grid()


@pytest.fixture(scope="module")
def grid() -> GainGrid:
    # Small but real: N = 400, reference 50 000, 3 replicates, M in {2, 3}, G in {1, 5, 20}.
    return run_grid({"normal": stats.norm()}, [400], [2.0, 3.0], [1, 5, 20], replicates=3, reference_size=50_000, workers=1)


class TestOneTrial:
    """A grid of one cell: what each row records."""

    def test_record(self):
        ref = Reference.draw(stats.norm(), 50_000, rng=0, name="normal")
        (rec,) = run_grid([ref], [1000], [2.5], [40], replicates=1, seed=3).frame.to_dict("records")
        assert rec["n_generated"] == 40_000 and rec["law"] == "normal" and rec["amplifier"] == "gencopy"
        assert rec["bound"] is True  # 40 000 >= 1000^1.5 = 31 623
        assert len(rec["kld_vector"]) == 5 and rec["kld_nats"] == rec["kld_vector"][4]
        # measured M of the training sample tracks the chosen M (paper.md §3.4: within a few %);
        # at N = 1000 it scatters with sd 0.037 around 2.512 (probe, 400 replicates), so 6 %
        # (0.15) is > 3.7 sd: false-failure chance ~2e-4 (and the seed is fixed)
        assert rec["m_eff"] == pytest.approx(2.5, rel=0.06)
        # at fixed width, GenCopy's copies have G times the training counts, so the measured M of
        # the generated sample is exactly M_G = M_eff ln N_G / ln N (Reconstructed; rounding only)
        assert rec["m_generated"] == pytest.approx(rec["m_eff"] * math.log(40_000) / math.log(1000), rel=1e-12)
        assert rec["floor_nats"] > 0 and np.isfinite(rec["kld_mc_nats"])

    def test_row_is_the_trial_replayed(self):
        """The row's width, origin, M_eff and floor are those of Trial.training_sample, bitwise."""
        ref = Reference.draw(stats.norm(), 5_000, rng=0, name="normal")
        (rec,) = run_grid([ref], [300], [2.5], [2], replicates=1, seed=5, baseline=False).frame.to_dict("records")
        x = Trial.make(law="normal", n=300, replicate=0, seed=5).training_sample(ref.law)
        width = bin_width(x, 2.5)
        assert (rec["width"], rec["origin"]) == (width, x.min())
        assert rec["m_eff"] == effective_m(x, width, origin=x.min())
        assert rec["floor_nats"] == histogram_kl(x, width, origin=x.min(), law=ref.law)
        out = gencopy(x, 2, width=width, rng=Trial.make(law="normal", n=300, seed=5).rng(1))
        assert rec["kld_vector"] == ref.divergence(out.sample, k=5).tolist()

    def test_gain_law_columns(self):
        # the row's noise and bias are floor_terms of the training histogram (J of the law; of
        # ln X for log bins), and law_nats is kld_gain_law given the row's exact floor
        ref = Reference.draw(LOGNORMAL, 50_000, rng=0, name="lognormal")
        frame = run_grid([ref], [800], [2.5], [3], amplifiers=["gencopy", "gencopy-log"], replicates=1,
                         baseline=False, workers=1).frame
        train = Trial.make(law="lognormal", n=800, replicate=0).training_sample(LOGNORMAL)
        for rec in frame.to_dict("records"):
            log = rec["amplifier"] == "gencopy-log"
            binned = np.log(train) if log else train
            terms = floor_terms(binned, rec["width"], fisher=fisher_information(LOGNORMAL, log=log), origin=rec["origin"])
            assert rec["noise_nats"] == terms.noise and rec["bias_nats"] == pytest.approx(terms.bias, rel=1e-12)
            assert rec["law_nats"] == float(kld_gain_law(3, noise=terms.noise, floor=rec["floor_nats"]))
        other = run_grid([ref], [800], [2.5], [3], amplifiers=["smoothed_bootstrap"], replicates=1, baseline=False,
                         workers=1).frame.iloc[0]
        assert math.isnan(other["noise_nats"]) and math.isnan(other["law_nats"])

    def test_non_binning_amplifier(self):
        ref = Reference.draw(stats.norm(), 20_000, rng=0, name="normal")
        rec = run_grid([ref], [500], [2.5], [2], amplifiers=["smoothed_bootstrap"], replicates=1, seed=1).frame.iloc[0]
        assert math.isnan(rec["m"]) and math.isnan(rec["width"]) and math.isnan(rec["floor_nats"])
        assert rec["n_generated"] == 1000 and np.isfinite(rec["kld_nats"])

    def test_bootstrap_gives_infinite_divergence(self):
        ref = Reference.draw(stats.norm(), 20_000, rng=0, name="normal")
        rec = run_grid([ref], [500], [2.5], [2], amplifiers=["bootstrap"], replicates=1, baseline=False).frame.iloc[0]
        assert rec["kld_nats"] == math.inf and math.isnan(rec["kld_mc_nats"])


class TestRunGrid:
    def test_shape_columns_and_order(self, small):
        assert isinstance(small, GainGrid)
        assert len(small) == 2 * 2 * 2 * 2 * 2  # laws x n x m x gain x replicates
        assert list(small.frame.columns) == COLUMNS
        keys = ["law", "n", "m", "gain", "amplifier", "replicate"]
        assert small.frame[keys].equals(small.frame[keys].sort_values(keys).reset_index(drop=True))

    def test_same_seed_same_table_other_seed_differs(self, small):
        assert small.frame.equals(small_grid().frame)
        other = run_grid({"normal": LAWS["normal"]}, [300], [2.0], [1, 4], seed=1, **GRID).frame
        same = small.select(law="normal", n=300, m=2.0).reset_index(drop=True)
        assert other[["law", "n", "m", "gain", "replicate"]].equals(same[["law", "n", "m", "gain", "replicate"]])
        assert not (other["kld_nats"] == same["kld_nats"]).any() and not (other["width"] == same["width"]).any()

    def test_order_of_axes_and_threads_do_not_matter(self, small):
        with ThreadPoolExecutor(max_workers=2) as pool:
            b = run_grid(dict(reversed(list(LAWS.items()))), [500, 300], [3.0, 2.0], [4, 1],
                         replicates=2, reference_size=20_000, k=5, executor=pool)
        assert small.frame.equals(b.frame)

    def test_subset_reproduces_cells(self, small):
        part = run_grid({"normal": LAWS["normal"]}, [500], [3.0], [4], replicates=2, reference_size=20_000)
        rows = small.select(law="normal", n=500, m=3.0, gain=4)
        assert rows.reset_index(drop=True).equals(part.frame)

    def test_references_or_laws_give_the_same_grid(self, small):
        # a mapping draws Reference(seed, crc32(name)); passing the same references is the same
        seq = np.random.SeedSequence(20250101, spawn_key=(zlib.crc32(b"lognormal"), 0))
        ref = Reference.draw(LOGNORMAL, 20_000, name="lognormal", rng=seq)
        part = run_grid([ref], [500], [2.0, 3.0], [1, 4], replicates=2, workers=1).frame
        assert part.equals(small.select(law="lognormal", n=500).reset_index(drop=True))

    def test_baseline_shared_within_group(self, small):
        df = small.frame
        spread = df.groupby(["law", "n", "gain", "replicate"])["kld_mc_nats"].nunique()
        assert (spread == 1).all() and df["kld_mc_nats"].notna().all()

    def test_no_baseline(self):
        g = run_grid({"normal": LAWS["normal"]}, [300], [2.0], [1], replicates=1, reference_size=5000, baseline=False)
        assert g.frame["kld_mc_nats"].isna().all()

    def test_common_training_sample_across_m_and_gain(self, small):
        # the training sample is shared, so its own measured M at each width depends on M only
        one = small.select(law="normal", n=300, replicate=0)
        assert one.groupby("m")["m_eff"].nunique().eq(1).all()
        assert one.groupby("m")["floor_nats"].nunique().eq(1).all()

    def test_mixed_amplifiers(self):
        g = run_grid({"normal": LAWS["normal"]}, [300], [2.0, 3.0], [2], replicates=1,
                     amplifiers=["gencopy", "smoothed_bootstrap"], reference_size=10_000)
        assert sorted(g.frame.amplifier.tolist()) == ["gencopy", "gencopy", "smoothed_bootstrap"]
        # the MC baseline does not depend on the amplifier: one value for the whole group
        assert g.frame["kld_mc_nats"].nunique() == 1
        assert BINNING_AMPLIFIERS == {"gencopy", "gencopy-log"}

    def test_progress_bar(self, capsys):
        run_grid({"normal": LAWS["normal"]}, [300], [2.0], [1], replicates=1, reference_size=5000, progress=True)
        assert "gain grid" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("args", "kwargs", "exc", "match"),
        [
            (({}, [100], [2.0], [1]), {}, ValueError, "`laws` must name at least one law"),
            ((LAWS, [], [2.0], [1]), {}, ValueError, "`n` must be a non-empty list"),
            ((LAWS, [1], [2.0], [1]), {}, ValueError, "`n` must be an integer >= 2; got 1"),
            ((LAWS, [100], [0.0], [1]), {}, ValueError, "`m` must be finite and > 0; got 0.0"),
            ((LAWS, [100], [None], [1]), {}, TypeError, "`m` must be a real number; got NoneType"),
            ((LAWS, [100], [2.0], [0]), {}, ValueError, "`gain` must be an integer >= 1; got 0"),
            ((LAWS, [100], [2.0], [1]), {"replicates": 0}, ValueError, "`replicates` must be an integer >= 1"),
            ((LAWS, [100], [2.0], [1]), {"k": 0}, ValueError, "`k` must be an integer >= 1; got 0"),
            ((LAWS, [5, 100], [2.0], [1]), {"k": 5}, ValueError, "`k` must be < every N"),
            ((LAWS, [100], [2.0], [1]), {"seed": -3}, ValueError, "`seed` must be an integer >= 0; got -3"),
            ((LAWS, [100], [2.0], [1]), {"amplifiers": ["vae"]}, ValueError, "`amplifiers` must be one of"),
            ((LAWS, [100], [2.0], [1]), {"reference_size": 1}, ValueError, "`reference_size` must be an integer >= 2"),
            ((["x"], [100], [2.0], [1]), {}, TypeError, "`laws` must be a mapping"),
            (("ref", [100], [2.0], [1]), {}, TypeError, "`laws` must be a mapping"),
        ],
    )
    def test_bad_input(self, args, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            run_grid(*args, **{"reference_size": 1000, **kwargs})

    def test_duplicate_reference_names(self):
        ref = Reference.draw(stats.norm(), 100, rng=0, name="same")
        with pytest.raises(ValueError, match="Reference names must be unique"):
            run_grid([ref, ref], [50], [2.0], [1])


class TestFloor:
    def test_large_gencopy_sample_reaches_the_exact_floor(self):
        """KLD of a G = 100 GenCopy sample -> histogram_kl (the exact KL of its limit density).

        At M = 1.5 (N = 2000) the floor is about 0.06 nats. The FNN k = 5 estimate with
        n = 2e5 generated vs m = 1e6 reference has sd ~0.8/sqrt(2e5) = 0.002 nats
        (research/kld.md §4), and its bias at this n is below 0.001; 0.01 is a 5-sd band.
        """
        law = stats.norm()
        x = law.rvs(size=2000, random_state=np.random.default_rng(10))
        out = gencopy(x, 100, m=1.5, law=law, rng=11)
        floor = histogram_kl(x, out.width, origin=out.origin, law=law)
        ref = Reference.draw(law, 1_000_000, rng=12)
        est = ref.divergence(out.sample, k=5)[4]
        assert 0.03 < floor < 0.12
        assert est == pytest.approx(floor, abs=0.01)


class TestLogSpaceTrials:
    """GenCopy in ln x through run_grid (amplifier="gencopy-log")."""

    def test_training_sample_matches_run_grid(self):
        g = run_grid({"lognormal": LOGNORMAL}, [300], [2.5], [1], replicates=2, reference_size=5000)
        for rep in range(2):
            x = Trial.make(law="lognormal", n=300, replicate=rep).training_sample(LOGNORMAL)
            row = g.select(replicate=rep).iloc[0]
            assert bin_width(x, 2.5) == row["width"]
            assert histogram_kl(x, row["width"], law=LOGNORMAL) == row["floor_nats"]

    def test_log_trial_uses_the_same_events(self):
        ref = Reference.draw(LOGNORMAL, 20_000, rng=0, name="lognormal")
        table = run_grid([ref], [300], [2.5], [2], amplifiers=["gencopy-log"], replicates=2, baseline=False)
        for rep in range(2):
            x = Trial.make(law="lognormal", n=300, replicate=rep).training_sample(LOGNORMAL)
            row = table.select(replicate=rep).iloc[0]
            assert row["width"] == bin_width(np.log(x), 2.5) and row["origin"] == np.log(x).min()
            assert row["floor_nats"] == pytest.approx(log_floor(x, row["width"], law=LOGNORMAL), rel=1e-14)

    def test_large_gain_reaches_the_floor(self):
        # N = 1000, G = 100: N_G = 1e5 against a 4e5 reference; k = 5 noise sd ~ 0.8/sqrt(1e5)
        # ~ 0.0025 (kld.md §4), plus reference noise of the same order; 0.012 is ~4 sd of the
        # difference, a false-failure chance below 1e-4 (and the seed is fixed).
        ref = Reference.draw(LOGNORMAL, 400_000, rng=5, name="lognormal")
        rec = run_grid([ref], [1000], [2.5], [100], amplifiers=["gencopy-log"], replicates=1, seed=11,
                       baseline=False).frame.iloc[0]
        assert abs(rec["kld_nats"] - rec["floor_nats"]) < 0.012
        assert rec["bound"] and math.isnan(rec["kld_mc_nats"])

    def test_bad_grid_input(self):
        ref = Reference.draw(LOGNORMAL, 1000, rng=0, name="lognormal")
        with pytest.raises(ValueError, match="`m` must be a non-empty list"):
            run_grid([ref], [100], [], [1], amplifiers=["gencopy-log"])
        with pytest.raises(ValueError, match="`m` must be finite and > 0; got -1.0"):
            run_grid([ref], [100], [-1.0], [1], amplifiers=["gencopy-log"])

    def test_negative_reference_law_rejected(self):
        ref = Reference.draw(stats.norm(), 1000, rng=0, name="normal")
        with pytest.raises(ValueError, match=r"'gencopy-log' needs laws on \[0, inf\).*\['normal'\]"):
            run_grid([ref], [100], [2.5], [1], amplifiers=["gencopy-log"])


class TestSeedMatrix:
    def test_shape_and_order(self, grid):
        xs, values = seed_matrix(grid.select(m=2.0), x="gain", value="kld_nats")
        assert xs.tolist() == [1, 5, 20] and values.shape == (3, 3)
        row = grid.select(m=2.0, gain=5).sort_values("replicate")["kld_nats"]
        np.testing.assert_array_equal(values[1], row.to_numpy())

    def test_curve_is_seed_matrix_of_a_selection(self, grid):
        xs, values = grid.curve("gain", "kld_nats", m=3.0, amplifier="gencopy")
        want_xs, want = seed_matrix(grid.select(m=3.0), x="gain", value="kld_nats")
        np.testing.assert_array_equal(xs, want_xs)
        np.testing.assert_array_equal(values, want)

    def test_two_curves_rejected(self, grid):
        with pytest.raises(ValueError, match=r"one row per \(gain, replicate\)"):
            seed_matrix(grid.frame, x="gain", value="kld_nats")

    def test_missing_column(self, grid):
        with pytest.raises(ValueError, match="lacks the column"):
            seed_matrix(grid.frame.drop(columns="replicate"), x="gain", value="kld_nats")

    def test_missing_replicate(self, grid):
        one = grid.select(m=2.0).iloc[1:]
        with pytest.raises(ValueError, match="every replicate"):
            seed_matrix(one, x="gain", value="kld_nats")

    def test_empty_and_not_a_frame(self, grid):
        with pytest.raises(ValueError, match="at least one row"):
            seed_matrix(grid.frame.iloc[:0], x="gain", value="kld_nats")
        with pytest.raises(TypeError, match="pandas DataFrame"):
            seed_matrix([1, 2], x="gain", value="kld_nats")


class TestFloorTable:
    def test_values(self, grid):
        table = grid.floor_table(plateau_from=5)
        assert table["m"].tolist() == [2.0, 3.0] and (table["replicates"] == 3).all()
        sel = grid.frame[(grid.frame["m"] == 3.0) & (grid.frame["gain"] >= 5)]
        expected = sel.groupby("replicate")["kld_nats"].mean()
        assert table.loc[1, "plateau_mean"] == pytest.approx(expected.mean(), rel=1e-12)
        assert table.loc[1, "plateau_sd"] == pytest.approx(expected.std(ddof=1), rel=1e-12)
        floors = grid.select(m=3.0).groupby("replicate")["floor_nats"].first()
        assert table.loc[1, "floor_mean"] == pytest.approx(floors.mean(), rel=1e-12)
        assert table.loc[1, "floor_sd"] == pytest.approx(floors.std(ddof=1), rel=1e-12)
        mc = grid.select(m=3.0, gain=20).groupby("replicate")["kld_mc_nats"].first()
        assert table.loc[1, "mc_mean"] == pytest.approx(mc.mean(), rel=1e-12)

    def test_default_plateau_starts_at_the_bound_gain(self, grid):
        # ceil(sqrt(400)) = 20, the largest gain of the grid
        assert grid.floor_table()["plateau_from"].tolist() == [20, 20]

    def test_plateau_from_too_large(self, grid):
        with pytest.raises(ValueError, match="`plateau_from` must be <= the largest gain 20; got 50"):
            grid.floor_table(plateau_from=50)

    def test_no_binning_amplifier(self):
        g = run_grid({"normal": stats.norm()}, [100], [2.0], [1], amplifiers=["refit_normal"], replicates=1,
                     reference_size=1000)
        with pytest.raises(ValueError, match="no binning amplifier"):
            g.floor_table()

    def test_table_and_headline(self, grid):
        table = grid.table()
        assert table["M"].tolist() == [2.0, 3.0]
        assert "law" not in table.columns and "amplifier" not in table.columns  # one of each
        ft = grid.floor_table()
        np.testing.assert_allclose(table["floor (nats)"], ft["floor_mean"].round(4))
        assert "plateau, G ≥ 20 (nats)" in table.columns
        head = grid.headline()
        assert head["m_values"] == [2.0, 3.0] and head["floor_mean"] == ft["floor_mean"].tolist()
        assert head["plateau_from"] == 20 and head["n_trials"] == 18
        assert head["bound_at_max_gain"] is True  # N_G = 20 * 400 = 8000 = 400^1.5: the boundary holds
        assert head["mc_at_max_gain"] == pytest.approx(grid.select(gain=20, m=2.0)["kld_mc_nats"].mean())
        # the same values by M label, and the gain law's terms and gaps
        assert head["floor_by_m"]["3"] == head["floor_mean"][1] and head["plateau_by_m"]["2"] == head["plateau_mean"][0]
        assert head["plateau_gap"]["2"] == pytest.approx(head["plateau_mean"][0] - head["floor_mean"][0])
        assert head["plateau_gap_abs_max"] == pytest.approx(max(abs(v) for v in head["plateau_gap"].values()))
        first = grid.select(gain=1, m=2.0)
        assert head["kld_first"]["2"] == pytest.approx(first["kld_nats"].mean())
        assert head["noise"]["2"] == pytest.approx(first["noise_nats"].mean())
        gaps = (grid.select(m=3.0)["kld_nats"] - grid.select(m=3.0)["law_nats"]).groupby(grid.select(m=3.0)["gain"]).mean()
        assert head["law_gap"]["3"] == pytest.approx(gaps.abs().max())
        assert head["law_gap_max"] == max(head["law_gap"].values())  # both M >= 2
        assert head["max_generated"] == 8000 and head["first_gain"] == 1 and head["max_gain"] == 20
        assert 0 < head["mc_sd_ratio_min"] <= head["mc_sd_ratio_max"]
        law = grid.law_table()
        assert law["M"].tolist() == [2.0, 3.0] and "in standard errors" in law.columns
        assert law["largest |KLD − law| (nats)"].tolist() == [round(head["law_gap"][m], 4) for m in ("2", "3")]


class TestRegions:
    EDGES = [0.0, math.exp(-1), 3.6, math.inf]
    LABELS = ["rise", "bulk", "tail"]

    def test_regions_add_up_to_the_floor(self):
        # Exact identity: the regions partition the bins of the very training samples of the grid.
        g = run_grid({"lognormal": LOGNORMAL}, [400], [2.5, 6.0], [1], replicates=2, reference_size=5000,
                     regions=(self.EDGES, self.LABELS))
        parts = g.frame[[f"floor_{label}_nats" for label in self.LABELS]].sum(axis=1)
        np.testing.assert_allclose(parts, g.frame["floor_nats"], rtol=1e-12)
        mean, sd = g.region_means("gencopy")
        assert mean.index.tolist() == [2.5, 6.0] and mean.columns.tolist() == self.LABELS
        tail = g.select(m=2.5)["floor_tail_nats"]
        assert mean.loc[2.5, "tail"] == pytest.approx(tail.mean(), rel=1e-12)
        assert sd.loc[2.5, "tail"] == pytest.approx(tail.std(ddof=1), rel=1e-12)
        table = g.region_table()
        assert table.columns.tolist() == ["amplifier", "M", "rise (nats)", "bulk (nats)", "tail (nats)"]
        assert table["M"].tolist() == [2.5, 6.0] and table["amplifier"].eq("gencopy").all()
        np.testing.assert_allclose(table["tail (nats)"], mean["tail"].round(4))
        head = g.headline()
        assert head["region"]["2.5"]["tail"] == pytest.approx(mean.loc[2.5, "tail"])
        assert "floor_ratio_linear_to_log" not in head  # only with both binnings

    def test_ratio_of_linear_to_log_floors(self):
        g = run_grid({"lognormal": LOGNORMAL}, [400], [2.5], [1], amplifiers=["gencopy", "gencopy-log"], replicates=2,
                     reference_size=5000, baseline=False)
        head = g.headline()
        assert head["floor_ratio_linear_to_log"]["2.5"] == pytest.approx(
            head["floor_by_m"]["2.5"] / head["floor_by_m_gencopy_log"]["2.5"])

    def test_log_space_adds_up_to_log_floor(self):
        ref = Reference.draw(LOGNORMAL, 5000, rng=0, name="lognormal")
        g = run_grid([ref], [400], [2.5], [1], amplifiers=["gencopy-log"], replicates=2, baseline=False,
                     regions=(self.EDGES, self.LABELS))
        parts = g.frame[[f"floor_{label}_nats" for label in self.LABELS]].sum(axis=1)
        np.testing.assert_allclose(parts, g.frame["floor_nats"], rtol=1e-12)

    def test_regions_only_on_binning_rows(self):
        g = run_grid({"lognormal": LOGNORMAL}, [200], [2.5], [1], amplifiers=["gencopy", "refit_normal"],
                     replicates=1, reference_size=2000, regions=(self.EDGES, self.LABELS))
        assert g.select(amplifier="refit_normal")["floor_rise_nats"].isna().all()
        assert g.select(amplifier="gencopy")["floor_rise_nats"].notna().all()

    def test_without_regions(self, grid):
        with pytest.raises(ValueError, match="run without `regions`"):
            grid.region_table()

    def test_bad_regions(self):
        base = ({"lognormal": LOGNORMAL}, [100], [2.5], [1])
        with pytest.raises(TypeError, match="`regions` must be a pair"):
            run_grid(*base, regions=[1.0, 2.0, 3.0], reference_size=100)
        with pytest.raises(ValueError, match="`regions` edges must be 4 strictly increasing"):
            run_grid(*base, regions=([0.0, 2.0, 1.0, 3.0], self.LABELS), reference_size=100)
        with pytest.raises(ValueError, match="`regions` edges must be 4 strictly increasing"):
            run_grid(*base, regions=([0.0, 1.0], self.LABELS), reference_size=100)
        with pytest.raises(ValueError, match=r"`regions` edges must be >= 0 \(or -inf\) for 'gencopy-log'"):
            run_grid(*base, amplifiers=["gencopy-log"], regions=([-1.0, 1.0, 2.0, 3.0], self.LABELS),
                     reference_size=100)


def test_a_grid_frame_is_plain_data(small):
    # JSON-friendly values (the store round-trips them): lists, Python floats and bools
    rec = small.frame.iloc[0]
    assert isinstance(rec["kld_vector"], list) and all(type(v) is float for v in rec["kld_vector"])
    assert isinstance(small.frame, pd.DataFrame)


class TestSameNumbersAsBefore:
    """Regression pin: the gain grid's numbers are those of ampcore 0.1 (before the engine).

    The values were computed with the ``run_grid`` of ampcore/experiment.py at commit 188ccdb (same
    arguments, ``root_seed`` 20250101, the default seed then and now). The refactor into one
    engine kept the gain grid's seeding: a change of any of these numbers is a change of the
    streams, and must be deliberate.
    """

    KLD_NORMAL = [
        0.005422707916923564, 0.005142040868967079, 0.0069771623159218255, -0.002993138270976692,
        -0.012595794989187503, 0.07468368327058172, 0.03954580818447906, 0.0022746461481555347,
        0.018797879433293474, 0.04298270807011839, 0.018641402298722243, 0.017876578706814472,
    ]
    MC_NORMAL = [0.0022865112534424803, -0.0721088736418567, -0.0471965647406678, 0.01018070387565051] * 3
    FLOOR_NORMAL = [0.05074276331759807, 0.02841903173895326] * 2 + [0.030301216592105436, 0.028853548571618565] * 2
    KLD_LOG = [
        -0.015024884192445409, 0.07263852888098254, -0.011099692336291822, 0.06649959424952212,
        1.1992576852305308, 1.4161624743183618, 1.0821113871030794, 1.3068927133330102,
    ]
    FLOOR_LOG = [0.03586258907244467, 0.03727767832171842] * 2

    def test_linear_gencopy_and_kde(self):
        g = run_grid({"normal": stats.norm()}, [300], [2.0, 3.0], [1, 4], amplifiers=["gencopy", "smoothed_bootstrap"],
                     replicates=2, reference_size=5000, workers=1).frame
        assert g["kld_nats"].tolist() == self.KLD_NORMAL
        assert g["kld_mc_nats"].tolist() == self.MC_NORMAL
        assert g["floor_nats"].tolist()[:8] == self.FLOOR_NORMAL and g["floor_nats"][8:].isna().all()

    def test_log_gencopy_and_refit(self):
        # The log path maps through np.log/np.exp, whose SIMD kernels numpy picks at run time: the
        # pins were taken on a CPU with AVX-512, and a CPU without it (numpy's X86_V3 dispatch)
        # gives values that differ by up to 1.2e-13 nats (measured), one ulp of a sample moving a
        # near-tied neighbour distance. So this pin allows 1e-12 nats; a changed stream moves the
        # estimate by its sampling noise at N = 300 (about 1e-2 nats), ten orders more.
        g = run_grid({"lognormal": LOGNORMAL}, [300], [2.5], [1, 3], amplifiers=["gencopy-log", "refit_normal"],
                     replicates=2, reference_size=5000, workers=1).frame
        np.testing.assert_allclose(g["kld_nats"].to_numpy(), self.KLD_LOG, rtol=0, atol=1e-12)
        np.testing.assert_allclose(g["floor_nats"].to_numpy()[:4], self.FLOOR_LOG, rtol=0, atol=1e-12)
        assert g["floor_nats"][4:].isna().all()


LAW_GAINS = [1, 2, 4, 16]


@pytest.fixture(scope="module")
def law_replicates() -> pd.DataFrame:
    """Per (N, M, replicate): the law's amplitude b_r, noise_r, and D(1), bias, floor (see below)."""
    ref = Reference.draw(stats.norm(), 1_000_000, rng=20250102, name="normal")
    frame = run_grid([ref], [250, 2000, 8000], [2.0, 2.5, 3.0], LAW_GAINS, replicates=16, baseline=False,
                     workers=1).frame
    inverse = sum(1.0 / g for g in LAW_GAINS)
    frame = frame.assign(excess=frame["floor_nats"] - frame["kld_nats"])
    g = frame.groupby(["n", "m", "replicate"])
    first = frame[frame["gain"] == 1].set_index(["n", "m", "replicate"])
    return pd.DataFrame({
        "b": g["excess"].sum() / inverse, "noise": g["noise_nats"].first(),
        "d1": first["kld_nats"], "bias": first["bias_nats"], "floor": first["floor_nats"],
    }).reset_index()


class TestGainLawAgainstMeasuredKLD:
    """The gain law (ampcore.floor.kld_gain_law) against GenCopy's measured kNN divergence.

    Normal law, N in {250, 2000, 8000}, M in {2, 2.5, 3}, G in {1, 2, 4, 16}, 16 replicates
    against one reference of 10^6 events. Per replicate r the law's amplitude is estimated by
    weighted least squares of ``F_r − D_r(G) = b_r/G`` (weights G: the estimator's variance is
    ~0.64/(G N) at k = 5, chapter 3), i.e. ``b_r = Σ_G (F_r − D_r(G)) / Σ_G 1/G``, and compared
    with the law's ``noise_r = (B_occ − 1)/(2N)`` of the same training sample. The replicates
    are independent training samples, so ``mean(b_r − noise_r)`` over the 16 is a t statistic
    with 15 degrees of freedom.
    """

    @staticmethod
    def t(values: pd.Series) -> float:
        return float(values.mean() / (values.std(ddof=1) / math.sqrt(values.size)))

    def test_the_amplitude_is_the_noise_term_at_every_n_and_m(self, law_replicates):
        # |t| < 4 with 15 dof has a two-sided chance of 0.0012 when the law holds; over the 9
        # cells a false failure has chance <= 1.1 %. A law off by a factor 2 in the amplitude
        # would give t ~ -4 to -5.5 at M = 2 (measured in a 20-replicate probe)
        for (n, m), cell in law_replicates.groupby(["n", "m"]):
            assert abs(self.t(cell["b"] - cell["noise"])) < 4, (n, m)

    def test_the_approach_is_seen_at_m_2(self, law_replicates):
        # power: the estimator must see that the KLD depends on G at all (b > 0). At M = 2,
        # noise/sd(b_r) ~ 1.4 per replicate, so t ~ 5.5 per N; pooled over the three N
        # (independent samples) the z ~ 9, and the assertion z > 4 fails on the law being true
        # with chance < 1e-4 (normal tail at 5 sd). A flat curve at the floor (b = 0) gives z ~ 0.
        cells = law_replicates[law_replicates["m"] == 2.0].groupby("n")
        z = sum(self.t(cell["b"]) for _, cell in cells) / math.sqrt(cells.ngroups)
        assert z > 4

    def test_gain_one_is_the_binned_true_density(self, law_replicates):
        # at G = 1 the generated events are iid draws of p_Δ: E[D(1)] = KL(p_Δ‖p) ~ Δ²J/24 (the
        # bias), not the floor. Same |t| < 4 rule per cell (chance <= 1.1 % over the 9 cells);
        # against the floor (D(1) = F) the pooled z over N at M = 2 is ~ -9 (probe), so > 4 in size.
        for (n, m), cell in law_replicates.groupby(["n", "m"]):
            assert abs(self.t(cell["d1"] - cell["bias"])) < 4, (n, m)
        cells = law_replicates[law_replicates["m"] == 2.0].groupby("n")
        z = sum(self.t(cell["d1"] - cell["floor"]) for _, cell in cells) / math.sqrt(cells.ngroups)
        assert z < -4
