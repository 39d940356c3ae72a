import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from sklatent import GaussianHMM
from sklatent.datasets import make_hmm_sequences
from sklatent.persistence import dump, load, trusted_types


def _reverse(X):
    return X[:, ::-1]


def test_trusted_types_name_every_public_estimator():
    names = trusted_types()
    assert "sklatent.hmm._gaussian.GaussianHMM" in names
    assert "sklatent.base.ConvergenceMonitor" in names


def test_load_refuses_a_type_nobody_trusted(tmp_path):
    # A module-level function of a test file is an arbitrary callable: exactly what a
    # malicious file would name.
    path = tmp_path / "untrusted.skops"
    sio.dump(FunctionTransformer(_reverse), path)
    with pytest.raises(ValueError, match="does not trust.*_reverse"):
        load(path)
    loaded = load(path, trusted=sio.get_untrusted_types(file=path))
    X = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(loaded.transform(X), _reverse(X))


def test_dump_and_load_through_file_objects(tmp_path):
    X, lengths, _, _ = make_hmm_sequences(n_sequences=4, random_state=1)
    hmm = GaussianHMM(n_components=3, random_state=0).fit(X, lengths=lengths)
    path = tmp_path / "hmm.skops"
    with open(path, "wb") as f:
        dump(hmm, f)
    with open(path, "rb") as f:
        loaded = load(f)
    np.testing.assert_array_equal(
        loaded.predict(X, lengths=lengths), hmm.predict(X, lengths=lengths)
    )
    assert loaded.monitor_.history == hmm.monitor_.history
