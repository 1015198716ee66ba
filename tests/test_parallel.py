"""Tests of run_grid's parallel back ends: local process pool and a real Dask LocalCluster.

The grid's table must be bitwise identical whoever runs it, because every trial's random streams
come from a SeedSequence keyed by its own values (ampcore.experiment.trial_seed).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from scipy import stats

from ampcore import connect_dask, run_grid

distributed = pytest.importorskip("distributed", reason="needs the [dask] extra")

# No warning filters are needed: with distributed 2026.8 the LocalCluster below starts and
# stops without warnings under filterwarnings=error (checked); add targeted ones here if that changes.

LAWS = {"normal": stats.norm(), "lognormal": stats.lognorm(1.0)}
GRID = dict(replicates=2, reference_size=20_000, k=5)


def grid(**kwargs):
    return run_grid(LAWS, [300, 600], [2.0, 3.0], [1, 4], **{**GRID, **kwargs})


@pytest.fixture(scope="module")
def serial_table():
    return grid(workers=1)


@pytest.fixture(scope="module")
def dask_client():
    """A real LocalCluster: 2 worker processes, 1 thread each, loopback only, no dashboard."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


class TestLocalPool:
    def test_process_pool_matches_serial(self, serial_table):
        assert grid(workers=2).equals(serial_table)

    def test_thread_pool_matches_serial(self, serial_table):
        with ThreadPoolExecutor(2) as pool:
            assert grid(executor=pool).equals(serial_table)

    def test_small_grid_runs_in_process(self, monkeypatch):
        """A grid of fewer than 8 trials never starts a pool (doctests, notebooks)."""
        import ampcore.experiment as experiment

        def no_pool(*args, **kwargs):
            raise AssertionError("a process pool was started")

        monkeypatch.setattr(experiment, "ProcessPoolExecutor", no_pool)
        df = run_grid({"normal": LAWS["normal"]}, [300], [2.0], [1, 2], replicates=2, reference_size=5000)
        assert len(df) == 4

    def test_bad_workers(self):
        with pytest.raises(ValueError, match="`workers` must be an integer >= 1; got 0"):
            grid(workers=0)

    def test_bad_executor(self):
        with pytest.raises(TypeError, match="`executor` must be a concurrent.futures.Executor"):
            grid(executor="dask")


class TestDask:
    def test_client_executor_matches_serial(self, dask_client, serial_table):
        assert grid(executor=dask_client.get_executor()).equals(serial_table)

    def test_client_itself_is_accepted(self, dask_client, serial_table):
        assert grid(executor=dask_client).equals(serial_table)

    def test_connect_dask_to_the_cluster(self, dask_client):
        client = connect_dask(dask_client.scheduler.address, timeout=10)
        try:
            assert len(client.scheduler_info()["workers"]) == 2
        finally:
            client.close()

    def test_unreachable_scheduler_names_the_address(self):
        address = "tcp://127.0.0.1:9"  # discard port: nothing listens there
        start = time.monotonic()
        with pytest.raises(ConnectionError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"):
            connect_dask(address, timeout=2)
        assert time.monotonic() - start < 30

    def test_dask_with_store_then_resume_locally(self, dask_client, serial_table, tmp_path):
        """Half the grid on Dask into a store, the rest locally: the same table, no re-run."""
        from ampcore.store import ResultsStore

        path = tmp_path / "sweep.sqlite"
        run_grid(LAWS, [300], [2.0, 3.0], [1, 4], store=path, executor=dask_client, **GRID)
        with ResultsStore(path) as store:
            first = {key: at for key, _, at, _ in store.rows()}
        full = grid(store=path, workers=1)
        assert full.equals(serial_table)
        with ResultsStore(path) as store:
            rows = store.rows()
        assert len(rows) == len(serial_table)
        assert all(first[key] == at for key, _, at, _ in rows if key in first)
