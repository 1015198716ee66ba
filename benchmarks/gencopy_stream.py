"""Goal 4: GenCopy at N = 1e5, G = 1000 (1e8 points): throughput, and KLD in <= 4 GiB peak RSS.

Each measurement runs in a fresh child process, so its peak RSS (``ru_maxrss``: interpreter,
numpy, reference and data) is its own:
* ``gencopy``: the whole 1e8-point sample at once (its temporaries included);
* ``gencopy_chunks``: the same values streamed in 32 MiB chunks (summed, not kept);
* ``kl_divergence_chunks``: KLD(generated ‖ reference) at N_G = 1e8, the stream copied once into
  one 0.8 GB buffer that is sorted in place;
* ``kl_divergence`` on the materialised sample, for contrast.
The reference is 2e6 N(0,1) events (a sorted Reference); k = 5; Δ from M = 2.5.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from scipy import stats

from . import peak_rss_child, self_peak_rss_gib, write_results

N, GAIN, K, REFERENCE_SIZE, M = 100_000, 1000, 5, 2_000_000, 2.5
MODES = ("gencopy", "gencopy_chunks", "kl_divergence_chunks", "kl_divergence")


def child(mode: str) -> None:
    from ampcore import Reference, gencopy, gencopy_chunks, kl_divergence, kl_divergence_chunks

    law = stats.norm()
    train = law.rvs(size=N, random_state=np.random.default_rng(7))
    reference = Reference.draw(law, REFERENCE_SIZE, rng=8) if mode.startswith("kl") else None
    options = dict(m=M, law=law, rng=9)
    start = time.perf_counter()
    value = float("nan")
    if mode == "gencopy":
        value = float(gencopy(train, GAIN, **options).sample[-1])
    elif mode == "gencopy_chunks":
        value = float(sum(float(c.sum()) for c in gencopy_chunks(train, GAIN, **options)))
    elif mode == "kl_divergence_chunks":
        assert reference is not None
        chunks = gencopy_chunks(train, GAIN, **options)
        value = float(kl_divergence_chunks(chunks, reference.sample, K, size=N * GAIN)[K - 1])
    else:
        assert reference is not None
        sample = gencopy(train, GAIN, **options).sample
        value = float(kl_divergence(sample, reference.sample, K)[K - 1])
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "value": value, "peak_rss_gib": self_peak_rss_gib()}))


def main() -> None:
    rows = []
    for mode in MODES:
        out = peak_rss_child("benchmarks.gencopy_stream", mode)
        kld = mode.startswith("kl")
        rows.append({
            "step": mode, "n_train": N, "gain": GAIN, "n_generated": N * GAIN,
            "seconds": out["seconds"],
            "points_per_s": N * GAIN / out["seconds"],
            "peak_rss_gib": out["peak_rss_gib"],
            "within_4_gib": out["peak_rss_gib"] <= 4.0,
            "kld_nats": out["value"] if kld else np.nan,
        })
        print(f"{mode}: {out['seconds']:.1f} s, peak RSS {out['peak_rss_gib']:.2f} GiB", flush=True)
    frame = write_results("gencopy_stream", rows, title="Goal 4: GenCopy at N = 1e5, G = 1000 (1e8 points)")
    stream = frame[frame.step == "kl_divergence_chunks"].iloc[0]
    gen = frame[frame.step == "gencopy"].iloc[0]
    print(f"goal 4: gencopy {gen.points_per_s / 1e6:.0f} M points/s; streamed KLD at N_G = 1e8 in "
          f"{stream.seconds:.0f} s with peak RSS {stream.peak_rss_gib:.2f} GiB (goal <= 4 GiB)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
