"""Featurization and fitting on a Dask cluster through joblib's backend give local results."""

from __future__ import annotations

import numpy as np
import pytest
from joblib import parallel_backend

from generify import GenreClassifier, MFCCTransformer

distributed = pytest.importorskip(
    "distributed", reason='needs dask.distributed: pip install "generify[dask]"'
)

GENRES = ("classical", "metal", "reggae")


@pytest.fixture(scope="module")
def client():
    # Thread workers start in about a second; process workers would spend longer
    # importing than the work takes, and the joblib path to the cluster is the same.
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


@pytest.fixture(scope="module")
def clips(shared_data):
    genres = shared_data / "gtzan/genres"
    paths = [genres / f"{genre}/{genre}.0000{i}.wav" for genre in GENRES for i in (0, 1)]
    return paths, [path.parent.name for path in paths]


def test_transform_on_the_cluster_equals_local(client, clips, tone):
    paths, _ = clips
    X = [*paths, tone(440, 2.0)]
    local = MFCCTransformer(statistics=("mean", "std")).fit_transform(X)
    with distributed.get_task_stream(client) as tasks, parallel_backend("dask"):
        remote = MFCCTransformer(statistics=("mean", "std"), n_jobs=-1).fit_transform(X)
    assert tasks.data, "no task ran on the Dask cluster"
    np.testing.assert_allclose(remote, local, rtol=1e-12, atol=0)


def test_fit_and_predict_on_the_cluster_equal_local(client, clips):
    paths, labels = clips
    local = GenreClassifier(segment_duration=10.0).fit(paths, labels)
    with distributed.get_task_stream(client) as tasks, parallel_backend("dask"):
        remote = GenreClassifier(segment_duration=10.0, n_jobs=-1).fit(paths, labels)
        remote_proba = remote.predict_proba(paths)
    assert tasks.data, "no task ran on the Dask cluster"
    assert remote.n_segments_ == local.n_segments_ == 3 * len(paths)
    np.testing.assert_array_equal(remote.classes_, local.classes_)
    np.testing.assert_allclose(remote_proba, local.predict_proba(paths), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(remote.predict(paths), local.predict(paths))
