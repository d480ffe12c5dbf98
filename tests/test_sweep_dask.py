"""Sweeps beyond one process: a Dask cluster and local processes give the local table."""

import importlib.util

import numpy as np
import pandas as pd
import pytest

import nnfit

X = np.linspace(0, 1, 24)[:, None]
Y = np.sin(4 * X[:, 0])
X_VAL = np.linspace(0.01, 0.99, 10)[:, None]
Y_VAL = np.sin(4 * X_VAL[:, 0])
BASE = {"epochs": 12, "batch_size": 8, "activation": "tanh", "dtype": "float64"}
GRID = {"hidden": [(2,), (3,), (4,)], "l2": [0.0, 0.01]}
TIMES = ["time_s", "group_time_s"]


def _run(**kwargs):
    return nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE, **kwargs)


def test_dask_local_cluster_gives_the_local_table(tmp_path):
    distributed = pytest.importorskip("distributed")
    local = _run()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        # by address, as for a real cluster; the run folder is written by this process
        remote = _run(scheduler=cluster.scheduler_address, out=tmp_path)
        with distributed.Client(cluster) as client:
            again = _run(scheduler=client)
    for other in (remote, again):
        pd.testing.assert_frame_equal(other.table.drop(columns=TIMES),
                                      local.table.drop(columns=TIMES))
    assert set(pd.read_csv(tmp_path / "table.csv").config_id) == set(local.table.config_id)
    if importlib.util.find_spec("pyarrow") is not None:   # Parquet beside the CSV
        assert len(pd.read_parquet(tmp_path / "table.parquet")) == len(local.table)
    cid = local.table.config_id.iloc[0]
    np.testing.assert_array_equal(remote.fits[cid].predict(X), local.fits[cid].predict(X))


def test_no_dask_gives_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(ImportError, match=r"pip install 'nnfit\[dask\]'"):
        _run(scheduler="tcp://127.0.0.1:1")


@pytest.mark.slow
def test_local_processes_give_the_local_table():
    local = _run()
    parallel = _run(n_jobs=2)
    pd.testing.assert_frame_equal(parallel.table.drop(columns=TIMES),
                                  local.table.drop(columns=TIMES))
