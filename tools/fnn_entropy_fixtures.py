"""Regenerate the R reference outputs of ``FNN::entropy`` in ``tests/data/fnn_entropy/``.

Each case is a sample drawn here with ``numpy.random.default_rng(seed)`` (the code is the table
``CASES`` below), saved as ``<name>.npy`` (float64, shape (n, d)), written to a raw little-endian
float64 file that R reads with ``readBin`` (so R receives exactly these doubles), and given to
``FNN::entropy(X, k, algorithm = "kd_tree")`` in one ``Rscript`` run. The samples of the
divergence fixtures (``ampcore/data/fnn/*_X.npy`` and ``*_Y.npy``) are scored too, from their
own files. R prints every value with C format ``%.17g``, so ``float(s)`` gives back the exact
double R computed (``"-Inf"`` parses as well).

``cases.json`` is a list of objects: ``name``, ``description``, ``file`` (relative to the
repository), ``n``, ``d``, ``k`` and ``entropy`` (k strings, ``H_1 … H_k`` in nats), plus
``r_version`` and ``fnn_version``. The test is ``tests/test_information.py::TestKnnEntropyMatchesR``.

Usage (needs R with FNN: ``apt-get install r-base-core r-cran-fnn``)::

    python tools/fnn_entropy_fixtures.py

The ``.npy`` files are the ground truth: rerunning the code gives the same arrays with the numpy
of the fixtures (2.x), but numpy does not promise identical random streams across all versions.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "fnn_entropy"
SHIPPED = ROOT / "ampcore" / "data" / "fnn"

Maker = Callable[[np.random.Generator], np.ndarray]


def _normal(n: int, d: int) -> Maker:
    return lambda rng: rng.standard_normal((n, d))


def _with_copies(make: Maker, copies: dict[int, list[int]]) -> Maker:
    """Rows ``copies[i]`` set equal to row i (exact ties)."""

    def draw(rng: np.random.Generator) -> np.ndarray:
        x = make(rng)
        for source, targets in copies.items():
            for t in targets:
                x[t] = x[source]
        return x

    return draw


def _correlated(n: int, d: int) -> Maker:
    def draw(rng: np.random.Generator) -> np.ndarray:
        a = rng.standard_normal((d, d))
        return rng.standard_normal((n, d)) @ a.T

    return draw


# name, description, seed, k, maker
CASES: list[tuple[str, str, int, int, Maker]] = [
    ("d1_n3_k2", "1-D N(0,1), n=3, k=2 (the smallest n for k=2)", 2001, 2, _normal(3, 1)),
    ("d1_n50", "1-D N(0,1), n=50", 2002, 10, _normal(50, 1)),
    ("d1_n2000", "1-D N(0,1), n=2000", 2003, 10, _normal(2000, 1)),
    ("d1_lognormal_n20000_k5", "1-D LogNormal(0,1), n=20000, k=5", 2004,
     5, lambda rng: rng.lognormal(0.0, 1.0, (20000, 1))),
    ("d1_tie_triple", "1-D N(0,1), n=1000; rows 1 and 2 equal row 0 (a value 3 times) -> H_1, H_2 = -Inf",
     2005, 10, _with_copies(_normal(1000, 1), {0: [1, 2]})),
    ("d1_rounded_2dp", "1-D N(0,1) rounded to 2 decimals, n=1000 (many ties)", 2006,
     10, lambda rng: np.round(rng.standard_normal((1000, 1)), 2)),
    ("d2_uniform_n200", "2-D Uniform(0,1)^2, n=200", 2007, 10, lambda rng: rng.uniform(size=(200, 2))),
    ("d2_n3000", "2-D N(0, I), n=3000", 2008, 10, _normal(3000, 2)),
    ("d2_tie_pair", "2-D N(0, I), n=1000; row 7 equals row 3 -> H_1 = -Inf", 2009,
     10, _with_copies(_normal(1000, 2), {3: [7]})),
    ("d2_offset_1e6_scale_1e-3", "2-D 1e6 + 1e-3 N(0, I), n=2000 (precision of the differences)",
     2010, 10, lambda rng: 1e6 + 1e-3 * rng.standard_normal((2000, 2))),
    ("d3_n1000", "3-D N(0, I), n=1000", 2011, 10, _normal(1000, 3)),
    ("d3_shell_n5000_k3", "3-D shell: N(0, I) directions at radius 1 + 0.1 N(0,1), n=5000, k=3", 2012, 3,
     lambda rng: (lambda z: z / np.linalg.norm(z, axis=1, keepdims=True)
                  * (1.0 + 0.1 * rng.standard_normal((5000, 1))))(rng.standard_normal((5000, 3)))),
    ("d5_n500", "5-D N(0, I), n=500", 2013, 10, _normal(500, 5)),
    ("d5_correlated_n3000", "5-D N(0, A A^T) with A a 5x5 standard normal matrix, n=3000", 2014,
     10, _correlated(3000, 5)),
    ("d5_tie_rows", "5-D N(0, I), n=800; row 0 three times (rows 10, 20) -> H_1, H_2 = -Inf", 2015,
     10, _with_copies(_normal(800, 5), {0: [10, 20]})),
    ("d5_poisson_integers", "5-D Poisson(3) counts as doubles, n=300 (many ties)", 2016,
     10, lambda rng: rng.poisson(3.0, (300, 5)).astype(np.float64)),
    ("d8_n1000_k5", "8-D N(0, I), n=1000, k=5 (squared distances added in ANN's order)", 2017,
     5, _normal(1000, 8)),
]

R_SCRIPT = r"""
suppressMessages(library(FNN))
args <- commandArgs(trailingOnly = TRUE)
cases <- read.table(args[1], header = TRUE, stringsAsFactors = FALSE)
out <- file(args[2], "w")
writeLines(paste(R.version.string, as.character(packageVersion("FNN")), sep = "\t"), out)
for (i in seq_len(nrow(cases))) {
  v <- readBin(cases$raw[i], what = "double", n = cases$n[i] * cases$d[i], size = 8, endian = "little")
  X <- matrix(v, nrow = cases$n[i], ncol = cases$d[i], byrow = TRUE)
  h <- FNN::entropy(X, k = cases$k[i], algorithm = "kd_tree")
  writeLines(paste(c(cases$name[i], sprintf("%.17g", h)), collapse = "\t"), out)
}
close(out)
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, object]] = []
    arrays: dict[str, np.ndarray] = {}
    for name, description, seed, k, make in CASES:
        x = np.ascontiguousarray(make(np.random.default_rng(seed)), dtype=np.float64)
        np.save(OUT / f"{name}.npy", x)
        arrays[name] = x
        entries.append({"name": name, "description": f"{description}, seed {seed}",
                        "file": str((OUT / f"{name}.npy").relative_to(ROOT)), "k": k})
    shipped = json.loads((SHIPPED / "cases.json").read_text())
    for case in shipped:
        for side in ("x_file", "y_file"):
            path = SHIPPED / case[side]
            name = f"fnn_{path.stem}"
            arrays[name] = np.ascontiguousarray(np.load(path), dtype=np.float64)
            entries.append({"name": name, "description": f"sample {case[side]} of the divergence "
                            f"fixture {case['name']} ({case['description']})",
                            "file": str(path.relative_to(ROOT)), "k": 10})
    with tempfile.TemporaryDirectory() as tmp:
        rows = ["name n d k raw"]
        for entry in entries:
            x = arrays[str(entry["name"])]
            entry["n"], entry["d"] = int(x.shape[0]), int(x.shape[1])
            raw = Path(tmp) / f"{entry['name']}.f64"
            x.astype("<f8").tofile(raw)
            rows.append(f"{entry['name']} {entry['n']} {entry['d']} {entry['k']} {raw}")
        (Path(tmp) / "cases.txt").write_text("\n".join(rows) + "\n")
        (Path(tmp) / "entropy.R").write_text(R_SCRIPT)
        subprocess.run(["Rscript", str(Path(tmp) / "entropy.R"), str(Path(tmp) / "cases.txt"),
                        str(Path(tmp) / "out.tsv")], check=True)
        lines = (Path(tmp) / "out.tsv").read_text().splitlines()
    r_version, fnn_version = lines[0].split("\t")
    values = {parts[0]: parts[1:] for parts in (line.split("\t") for line in lines[1:])}
    for entry in entries:
        entry["entropy"] = values[str(entry["name"])]
        entry["r_version"], entry["fnn_version"] = r_version, fnn_version
    (OUT / "cases.json").write_text(json.dumps(entries, indent=1) + "\n")
    print(f"{len(entries)} cases, {r_version}, FNN {fnn_version} -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
