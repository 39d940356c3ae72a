"""Scale-out on existing engines: joblib's dask backend, dask-ml, thread limits."""

import os

import dask.array as da
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from test_common import ESTIMATORS, _data, _fast

from sklatent import LDATopics, VAETransformer
from sklatent.datasets import make_lda_corpus


@pytest.fixture(scope="module")
def corpus():
    return make_lda_corpus(n_samples=60, n_features=30, n_components=3, random_state=0)[
        0
    ].toarray()


def _lda_search():
    return GridSearchCV(
        LDATopics(max_iter=5, random_state=0), {"n_components": [2, 3]}, cv=3
    )


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_grid_search_on_dask_cluster_matches_sequential_run(corpus, processes):
    sequential = _lda_search().fit(corpus)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        distributed = _lda_search().fit(corpus)
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(
            distributed.cv_results_[key], sequential.cv_results_[key]
        )
    assert distributed.best_params_ == sequential.best_params_


@pytest.mark.parametrize(
    "model",
    [
        LDATopics(n_components=3, learning_method="online", random_state=0),
        VAETransformer(n_components=2, hidden_layer_sizes=(16,), random_state=0),
    ],
    ids=lambda model: type(model).__name__,
)
def test_incremental_streams_dask_blocks_through_partial_fit(corpus, model):
    chunk = 20
    X = da.from_array(corpus, chunks=(chunk, corpus.shape[1]))
    streamed = Incremental(clone(model), shuffle_blocks=False).fit(X)
    by_hand = clone(model)
    for start in range(0, corpus.shape[0], chunk):
        by_hand.partial_fit(corpus[start : start + chunk])
    np.testing.assert_array_equal(
        streamed.estimator_.transform(corpus), by_hand.transform(corpus)
    )
    assert streamed.estimator_.score(corpus) == by_hand.score(corpus)


def _thread_counts_after_fit(estimator, X):
    import numba
    import torch
    from threadpoolctl import threadpool_info

    estimator.fit(X)
    blas = [pool["num_threads"] for pool in threadpool_info()]
    return {
        "torch": torch.get_num_threads(),
        "numba": numba.get_num_threads(),
        "blas": max(blas, default=1),
    }


def test_joblib_workers_do_not_oversubscribe():
    n_jobs = 2
    share = max(1, (os.cpu_count() or 1) // n_jobs)
    X = _data()
    estimators = [_fast(cls) for cls in ESTIMATORS]
    reports = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(_thread_counts_after_fit)(est, X) for est in estimators
    )
    for est, counts in zip(estimators, reports):
        assert max(counts.values()) <= share, (type(est).__name__, counts)
