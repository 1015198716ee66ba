"""The d-D laws of chapter 10: Shell, Ring, GaussianND (sampling, density, entropy, bad inputs)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ampcore.laws import GaussianND, Ring, Shell, sphere_log_area


@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_shell_entropy_matches_monte_carlo(dim):
    # -mean logpdf of 200k exact draws: se ~ 0.0016-0.0019 nats (printed by the sample sd);
    # 5 se leaves a false-failure chance below 1e-6 per dimension
    shell = Shell(dim)
    x = shell.rvs(200_000, random_state=dim)
    values = -shell.logpdf(x)
    se = values.std(ddof=1) / math.sqrt(values.size)
    assert abs(values.mean() - shell.entropy()) < 5 * se


def test_ring_pdf_integrates_to_one():
    ring = Ring(radius=2.0, width=0.4)
    # in polar coordinates: ∫∫ p(r cos t, r sin t) r dr dt, p independent of t
    value, _ = integrate.quad(lambda r: 2 * math.pi * r * float(ring.pdf([r, 0.0])), 0, 10, limit=200)
    assert value == pytest.approx(1.0, abs=1e-8)


def test_shell_3d_pdf_integrates_to_one_and_is_isotropic():
    shell = Shell(3, radius=1.0, width=0.3)
    value, _ = integrate.quad(lambda r: 4 * math.pi * r**2 * float(shell.pdf([0.0, r, 0.0])), 0, 5, limit=200)
    assert value == pytest.approx(1.0, abs=1e-8)
    a, b = shell.pdf([[0.6, 0.8, 0.0]]), shell.pdf([[0.0, 0.0, 1.0]])
    assert a == pytest.approx(b)


def test_shell_radii_follow_the_radial_law_and_directions_are_uniform():
    # KS test of 20k radii against the truncated Normal (p > 1e-3 fails one time in 1000);
    # the mean direction of 20k uniform unit vectors has sd 1/sqrt(3 * 20k) = 0.004 per axis
    shell = Shell(3)
    x = shell.rvs(20_000, random_state=7)
    r = np.linalg.norm(x, axis=1)
    assert stats.kstest(r, shell.radial.cdf).pvalue > 1e-3
    assert np.abs((x / r[:, None]).mean(axis=0)).max() < 5 * 0.0041


def test_sphere_areas_and_ring_is_a_shell():
    assert math.exp(sphere_log_area(3)) == pytest.approx(4 * math.pi)
    assert math.exp(sphere_log_area(4)) == pytest.approx(2 * math.pi**2)
    ring = Ring()
    assert isinstance(ring, Shell) and ring.dim == 2
    assert ring.entropy() == pytest.approx(Shell(2).entropy())


def test_shell_in_one_dimension_is_two_bumps():
    shell = Shell(1, radius=3.0, width=0.5)
    assert float(shell.pdf([3.0])) == pytest.approx(0.5 * stats.norm(3, 0.5).pdf(3.0), rel=1e-9)
    # the truncation at 0 lies 6 widths below the mean: it moves h by ~1e-8
    assert shell.entropy() == pytest.approx(stats.norm(3, 0.5).entropy() + math.log(2), rel=1e-7)


def test_gaussian_nd():
    law = GaussianND(4)
    assert law.entropy() == pytest.approx(4 * stats.norm().entropy())
    x = np.array([[0.1, -0.2, 0.3, 0.0]])
    assert law.logpdf(x) == pytest.approx(stats.norm.logpdf(x).sum())
    assert law.rvs(10, random_state=0).shape == (10, 4)
    assert law.radial.dist.name == "chi" and law.marginal.dist.name == "norm"


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: Shell(0), ValueError, "dim"),
    (lambda: Shell(2, radius=-1.0), ValueError, "radius"),
    (lambda: Shell(2, width=0.0), ValueError, "width"),
    (lambda: Shell(2.5), TypeError, "dim"),
    (lambda: Shell(3).pdf([1.0, 2.0]), ValueError, "dimension 3"),
    (lambda: GaussianND(2).logpdf([[1.0, 2.0, 3.0]]), ValueError, "dimension 2"),
])
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_rejection_sampling_of_a_heavily_truncated_radius():
    # radius 0.5, width 1: 31 % of the Normal draws are rejected; KS of 20k radii (p > 1e-3)
    shell = Shell(2, radius=0.5, width=1.0)
    r = np.linalg.norm(shell.rvs(20_000, random_state=3), axis=1)
    assert r.min() > 0
    assert stats.kstest(r, shell.radial.cdf).pvalue > 1e-3
