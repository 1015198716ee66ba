"""Goal 5: the bound N_G >= N^(3/2) checked at scale: KLD of GenCopy data and of MC data.

N = 1e3, 1e4, 1e5 with G = 1, ceil(sqrt(N)) and ceil(2 sqrt(N)) (and 4 sqrt(N) for N <= 1e4),
so N_G reaches 6.3e7 > N^(3/2) = 3.2e7 at N = 1e5. Each trial is one call of
``ampcore.studies.measure_gain``, the measure of ``run_grid`` (training sample, GenCopy at M = 2.5, KLD against a 2e6-event N(0,1) Reference, MC sample of the same
size and its KLD, the exact floor), in one child process whose peak RSS is reported.
"""

from __future__ import annotations

import json
import math
import sys
import time

from scipy import stats

from . import peak_rss_child, self_peak_rss_gib, write_results

NS = (1_000, 10_000, 100_000)
REFERENCE_SIZE, K, M, ROOT = 2_000_000, 5, 2.5, 20250101


def gains(n: int) -> list[int]:
    root = math.sqrt(n)
    factors = (1, 2, 4) if n <= 10_000 else (1, 2)
    return [1, *(math.ceil(f * root) for f in factors)]


def child() -> None:
    from ampcore import Reference, fisher_information
    from ampcore.studies import Trial, measure_gain

    reference = Reference.draw(stats.norm(), REFERENCE_SIZE, rng=1, name="normal")
    # the context run_grid gives measure_gain: the references and the Fisher information J of each
    # law (linear bins for GenCopy; the log-binned amplifiers are not run here)
    fisher = {"linear": fisher_information(stats.norm()), "log": math.nan}
    context = {"references": {"normal": reference}, "fisher": {"normal": fisher}}
    rows = []
    for n in NS:
        for gain in gains(n):
            start = time.perf_counter()
            trial = Trial.make(law="normal", n=n, replicate=0, seed=ROOT, m=M, gain=gain, amplifier="gencopy",
                               k=K, baseline=True, entropy_method="nn", regions=None)
            rec = measure_gain(trial, context)
            rows.append({
                "n": n, "gain": gain, "n_generated": rec["n_generated"],
                "n_to_1.5": n**1.5, "bound": rec["bound"],
                "kld_gencopy_nats": rec["kld_nats"], "kld_mc_nats": rec["kld_mc_nats"],
                "floor_nats": rec["floor_nats"], "m_eff": rec["m_eff"],
                "seconds": time.perf_counter() - start,
            })
            print(f"N = {n}, G = {gain}: {rows[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    print(json.dumps({"rows": rows, "peak_rss_gib": self_peak_rss_gib()}))


def main() -> None:
    out = peak_rss_child("benchmarks.bound_scale")
    rows = [dict(r, process_peak_rss_gib=out["peak_rss_gib"]) for r in out["rows"]]
    frame = write_results("bound_scale", rows, title="Goal 5: KLD of GenCopy vs MC at scale (k = 5, M = 2.5)")
    print(f"goal 5: {len(frame)} trials up to N_G = {frame.n_generated.max():.2g} in "
          f"{frame.seconds.sum() / 60:.1f} min, peak RSS {out['peak_rss_gib']:.2f} GiB (goal <= 4 GiB)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child()
    else:
        main()
