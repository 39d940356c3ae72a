"""VAETransformer: training, the latent contract, scores, reproducibility, input."""

import copy
import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import logsumexp
from sklearn.datasets import make_blobs
from sklearn.decomposition import FactorAnalysis
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback
from torch import nn

from sklatent import VAETransformer
from sklatent.datasets import make_latent_manifold
from sklatent.metrics import energy_distance
from sklatent.neural.vae import gaussian_kl_to_standard_normal

FAST = {"max_epochs": 30, "hidden_layer_sizes": (32,), "random_state": 0}


@pytest.fixture(scope="module")
def manifold():
    X, _, _ = make_latent_manifold(300, n_features=6, noise=0.05, random_state=0)
    return X


@pytest.fixture(scope="module")
def fitted(manifold):
    return VAETransformer(**FAST).fit(manifold)


def test_elbo_improves_during_training(manifold):
    vae = VAETransformer(**{**FAST, "warmup_epochs": 0, "early_stopping": False})
    losses = vae.fit(manifold).history_[:, "train_loss"]
    assert len(losses) == FAST["max_epochs"]
    assert losses[-1] < losses[0] - 0.5
    short = VAETransformer(**{**FAST, "max_epochs": 1, "early_stopping": False})
    assert vae.score(manifold) > short.fit(manifold).score(manifold) + 0.5


def test_held_out_loss_is_the_elbo_during_warmup(manifold):
    """The held-out loss ignores the KL warm-up: it is the plain negative ELBO."""
    vae = VAETransformer(**{**FAST, "warmup_epochs": 1000}).fit(manifold)
    assert vae.net_.module_.kl_weight < 0.05
    held_out = manifold[vae._held_out_split(len(manifold), 0.1)[1]]
    jacobian = np.log(vae.scale_).sum()
    np.testing.assert_allclose(
        -vae.history_[-1, "valid_loss"] - jacobian,
        vae.score(held_out),
        atol=0.5,
    )
    valid = vae.history_[:, "valid_loss"]
    assert valid[-1] < valid[0]


def test_history_holds_train_and_valid_loss_per_epoch(fitted):
    assert len(fitted.history_) <= FAST["max_epochs"]
    assert np.all(np.isfinite(fitted.history_[:, "train_loss"]))
    assert np.all(np.isfinite(fitted.history_[:, "valid_loss"]))


def test_early_stopping_stops_and_keeps_the_best_epoch(manifold):
    vae = VAETransformer(
        hidden_layer_sizes=(32,), max_epochs=500, n_iter_no_change=3, random_state=0
    ).fit(manifold)
    valid = vae.history_[:, "valid_loss"]
    assert len(valid) < 500
    best = int(np.argmin(valid))
    assert len(valid) - 1 - best == 3


def test_learning_rate_is_cut_when_the_held_out_elbo_stalls(manifold):
    """Replay the rule on the history: every 3 watched epochs without a new best
    held-out loss multiply the learning rate by 0.3."""
    params = {**FAST, "max_epochs": 120, "warmup_epochs": 5, "learning_rate": 1e-2}
    vae = VAETransformer(**params).fit(manifold)
    expected, best, stalled = params["learning_rate"], math.inf, 0
    for loss in vae.history_[params["warmup_epochs"] :, "valid_loss"]:
        if loss < best:
            best, stalled = loss, 0
            continue
        stalled += 1
        if stalled == 3:
            expected, stalled = max(0.3 * expected, 1e-5), 0
    assert expected < params["learning_rate"]
    for group in vae.net_.optimizer_.param_groups:
        assert group["lr"] == pytest.approx(expected)
    # Without a held-out set the learning rate stays as given.
    constant = VAETransformer(**{**params, "early_stopping": False}).fit(manifold)
    assert constant.net_.optimizer_.param_groups[0]["lr"] == params["learning_rate"]


def test_transform_is_deterministic_and_row_independent(fitted, manifold):
    Z = fitted.transform(manifold)
    np.testing.assert_array_equal(Z, fitted.transform(manifold))
    one_by_one = np.vstack([fitted.transform(row[None]) for row in manifold[:20]])
    np.testing.assert_allclose(one_by_one, Z[:20], rtol=0, atol=1e-12)


def test_score_samples_do_not_depend_on_other_rows(fitted, manifold):
    for n_samples in (1, 5):
        full = fitted.score_samples(manifold[:10], n_samples=n_samples)
        alone = [
            fitted.score_samples(row[None], n_samples=n_samples)[0]
            for row in manifold[:10]
        ]
        np.testing.assert_allclose(alone, full, rtol=0, atol=1e-9)
        reversed_rows = fitted.score_samples(manifold[:10][::-1], n_samples=n_samples)
        np.testing.assert_allclose(reversed_rows[::-1], full, rtol=0, atol=1e-9)


def test_bernoulli_samples_are_binary_and_decoder_means_probabilities():
    X = np.random.default_rng(0).random((80, 5))
    vae = VAETransformer(likelihood="bernoulli", **FAST).fit(X)
    X_new, Z = vae.sample(11)
    assert X_new.shape == (11, 5)
    assert Z.shape == (11, 2)
    assert set(np.unique(X_new)) <= {0.0, 1.0}
    means = vae.inverse_transform(Z)
    assert np.all((means > 0) & (means < 1))


def test_binary_integer_and_constant_columns_come_back_as_seen():
    """Through the table layer: a binary column as one of its two values, an
    integer column as integers, a constant column (all 0.001) constant."""
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [
            rng.integers(2, size=200) * 3.0 + 2.0,
            rng.poisson(4.0, size=200).astype(float),
            np.full(200, 0.001),
            rng.normal(size=200),
        ]
    )
    vae = VAETransformer(**FAST).fit(X)
    X_new, _ = vae.sample(500, random_state=0)
    assert set(np.unique(X_new[:, 0])) == {2.0, 5.0}
    np.testing.assert_array_equal(X_new[:, 1], np.rint(X_new[:, 1]))
    assert X_new[:, 1].std() > 0.5
    np.testing.assert_array_equal(X_new[:, 2], 0.001)
    np.testing.assert_array_equal(
        vae.table_.kinds_, ["binary", "integer", "constant", "numeric"]
    )


def test_sample_is_reproducible_and_falls_back_to_random_state(fitted):
    X_a, Z_a = fitted.sample(6)
    X_b, Z_b = fitted.sample(6)
    np.testing.assert_array_equal(X_a, X_b)
    X_c, Z_c = fitted.sample(6, random_state=1)
    assert not np.array_equal(Z_a, Z_c)
    np.testing.assert_array_equal(Z_c, fitted.sample(6, random_state=1)[1])


def _generated_table(kind, n_rows, seed=0):
    """Tables of known structure: a linear factor model whose columns have scales
    from 1e-3 to 1e3, three correlated clusters with a skewed column, and a
    nonlinear manifold."""
    rng = np.random.default_rng(seed)
    if kind == "linear":
        Z = rng.normal(size=(n_rows, 2))
        noise = rng.normal(size=(n_rows, 4)) * [0.1, 0.3, 0.5, 1.0]
        return (Z @ rng.normal(size=(2, 4)) + noise) * [1e-3, 1.0, 10.0, 1e3]
    if kind == "clusters":
        group = rng.integers(3, size=n_rows)[:, None]
        X = group * [3.0, -2.0, 1.0] + rng.normal(size=(n_rows, 3))
        return np.column_stack([X, rng.exponential(size=n_rows)])
    X, _, _ = make_latent_manifold(n_rows, n_features=5, noise=0.1, random_state=seed)
    return X


@pytest.mark.parametrize("sampling_prior", ["standard", "mixture"])
@pytest.mark.parametrize(
    ("kind", "n_rows"), [("linear", 100), ("clusters", 1000), ("manifold", 5000)]
)
def test_samples_have_the_spread_of_the_data(kind, n_rows, sampling_prior):
    """Calibrated noise: every feature of the samples has the standard deviation
    of the data, on small and large tables alike."""
    X = _generated_table(kind, n_rows)
    vae = VAETransformer(
        hidden_layer_sizes=(32,),
        batch_size=max(128, n_rows // 20),
        sampling_prior=sampling_prior,
        random_state=0,
    ).fit(X)
    X_new, _ = vae.sample(4000, random_state=1)
    ratio = X_new.std(axis=0) / X.std(axis=0)
    assert np.all((ratio > 0.85) & (ratio < 1.15)), ratio


def test_noise_variances_maximise_the_training_elbo(manifold):
    """After fit the noise variances are the ELBO's closed-form optimum on the
    training rows: scaling them either way lowers the training ELBO."""
    vae = VAETransformer(**{**FAST, "early_stopping": False}).fit(manifold)
    variance = vae.net_.module_.noise_variance.clone()
    best = vae.score_samples(manifold, n_samples=1).mean()
    for factor in (0.8, 1.25):
        vae.net_.module_.noise_variance.copy_(variance * factor)
        assert vae.score_samples(manifold, n_samples=1).mean() < best
    vae.net_.module_.noise_variance.copy_(variance)
    # And they are the mean squared residuals of each feature under q(z|x).
    module = vae._float64_copy()
    x = torch.tensor(vae._standardise(manifold))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        mean, log_var = module.encode(x)
        noise = torch.randn((200, *mean.shape), generator=generator, dtype=x.dtype)
        decoded = module.decoder(mean + noise * (0.5 * log_var).exp())
    squared = (x - decoded).square().mean((0, 1)).numpy()
    np.testing.assert_allclose(variance.numpy(), squared, rtol=0.05)


def test_default_training_loss_is_the_elbo(manifold):
    """No neighbour term by default: with the KL warm-up over, the training loss
    of a batch is its negative ELBO, the loss of evaluation mode."""
    assert VAETransformer().neighbor_weight == 0
    vae = VAETransformer(**{**FAST, "warmup_epochs": 0}).fit(manifold)
    module = vae.net_.module_
    x = torch.tensor(vae._standardise(manifold[:64]), dtype=torch.float32)
    # A deep copy keeps the fitted noise variances out of the training update.
    training = copy.deepcopy(module).train()
    training.noise_variance.copy_(module.noise_variance)
    training._track_noise = lambda x, decoded: None
    with torch.no_grad():
        train_loss = training(x, generator=torch.Generator().manual_seed(0))
        eval_loss = module.eval()(x, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(train_loss, eval_loss)
    with_term = copy.deepcopy(training)
    with_term.neighbor_weight = 5.0
    with torch.no_grad():
        other = with_term(x, generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(other, eval_loss)


def test_mixture_prior_draws_codes_where_the_training_codes_lie():
    """On well separated groups the aggregate posterior (codes drawn from q(z|x)
    of the training rows) is far from a standard normal; the mixture sampling
    prior draws codes like it, within twice the distance between two such draws."""
    X, _ = make_blobs(1000, n_features=6, centers=4, random_state=0)
    params = {"hidden_layer_sizes": (32,), "random_state": 0}
    for sampling_prior, far in [("standard", True), ("mixture", False)]:
        vae = VAETransformer(sampling_prior=sampling_prior, **params).fit(X)
        module = vae._float64_copy()
        with torch.no_grad():
            mean, log_var = module.encode(torch.tensor(vae._standardise(X)))
        rng = np.random.default_rng(0)
        codes, again = (
            mean.numpy() + rng.normal(size=mean.shape) * np.exp(0.5 * log_var.numpy())
            for _ in range(2)
        )
        floor = energy_distance(codes, again)
        distance = energy_distance(codes, vae.sample(1000, random_state=0)[1])
        assert distance > 4 * floor if far else distance < 2 * floor, distance
    assert vae.prior_means_.shape[1] == 2
    np.testing.assert_allclose(vae.prior_weights_.sum(), 1.0)


def test_sampling_draws_on_the_models_device(fitted, monkeypatch):
    """Every random draw of sample happens on the model's device, with a
    generator on that device (checked on the CPU through the calls it makes)."""
    model_device = torch.device(fitted._device)
    calls = []

    def checked(draw, takes_device):
        def wrapper(*args, generator=None, **kwargs):
            assert generator is not None
            assert generator.device == model_device
            if takes_device:
                # An explicit device: torch's default would be the CPU.
                assert torch.device(kwargs["device"]) == generator.device
            else:
                assert args[0].device == generator.device
            calls.append(draw.__name__)
            return draw(*args, generator=generator, **kwargs)

        return wrapper

    for name, takes_device in [
        ("randn", True),
        ("multinomial", False),
        ("bernoulli", False),
    ]:
        monkeypatch.setattr(torch, name, checked(getattr(torch, name), takes_device))
    fitted.sample(5)
    mixture = VAETransformer(sampling_prior="mixture", **FAST).fit(np.eye(6))
    mixture.sample(5)
    X = (np.random.default_rng(0).random((40, 6)) > 0.5).astype(float)
    VAETransformer(likelihood="bernoulli", **FAST).fit(X).sample(5)
    assert {"randn", "multinomial", "bernoulli"} <= set(calls)


def test_gaussian_data_come_back_in_the_users_units():
    X, _, _ = make_latent_manifold(400, n_features=5, noise=0.02, random_state=1)
    X = 1000.0 + 50.0 * X
    vae = VAETransformer(
        hidden_layer_sizes=(64,), max_epochs=200, learning_rate=1e-2, random_state=0
    )
    vae.fit(X)
    reconstruction = vae.inverse_transform(vae.transform(X))
    assert np.mean((reconstruction - X) ** 2) < 0.2 * X.var(axis=0).mean()
    X_new, _ = vae.sample(2000, random_state=0)
    np.testing.assert_allclose(X_new.mean(axis=0), X.mean(axis=0), atol=0.3 * X.std())


def test_analytic_kl_matches_torch_and_monte_carlo():
    generator = torch.Generator().manual_seed(0)
    mean = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    log_var = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    analytic = gaussian_kl_to_standard_normal(mean, log_var)
    q = torch.distributions.Normal(mean, (0.5 * log_var).exp())
    prior = torch.distributions.Normal(0.0, 1.0)
    peer = torch.distributions.kl_divergence(q, prior).sum(-1)
    torch.testing.assert_close(analytic, peer)
    z = q.sample((200_000,))
    monte_carlo = (q.log_prob(z) - prior.log_prob(z)).sum(-1).mean(0)
    torch.testing.assert_close(analytic, monte_carlo, atol=0.02, rtol=0.01)


@pytest.mark.parametrize("sampling_prior", ["standard", "mixture"])
def test_bounds_bracket_the_exact_likelihood_of_a_tiny_model(sampling_prior):
    """One latent variable: integrate over z on a grid to get log p(x) and the ELBO
    under the sampling prior, which the scores must bound."""
    X, _, _ = make_latent_manifold(200, n_features=3, n_components=1, random_state=2)
    vae = VAETransformer(
        1,
        hidden_layer_sizes=(16,),
        max_epochs=60,
        sampling_prior=sampling_prior,
        random_state=0,
    )
    vae.fit(X)
    module = vae._float64_copy()
    x = torch.tensor(vae._standardise(X[:5]))
    grid = torch.linspace(-8, 8, 4001, dtype=torch.float64)
    step = float(grid[1] - grid[0])
    with torch.no_grad():
        log_likelihood = module.log_likelihood(
            x[:, None], module.decoder(grid[:, None])
        ).numpy()
        mean, log_var = module.encode(x)
        log_prior = vae._log_prior(grid[:, None]).numpy()
        q = torch.distributions.Normal(mean, (0.5 * log_var).exp())
        q = q.log_prob(grid).exp().numpy()
    jacobian = np.log(vae.scale_).sum()
    log_px = logsumexp(log_likelihood + log_prior, axis=1) + np.log(step) - jacobian
    log_q = np.log(np.maximum(q, 1e-300))
    expected = log_likelihood + log_prior - log_q
    exact_elbo = (q * expected).sum(1) * step - jacobian
    tight = vae.score_samples(X[:5], n_samples=5000)
    assert np.all(exact_elbo <= log_px)
    np.testing.assert_allclose(tight, log_px, atol=0.05)
    assert np.all(tight >= exact_elbo - 0.05)


def test_linear_vae_matches_factor_analysis():
    """A linear Gaussian VAE with per-feature noise, trained on the ELBO alone
    (no neighbour term), is factor analysis."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(600, 2))
    X = Z @ rng.normal(size=(2, 5)) + rng.normal(size=(600, 5)) * [
        0.2,
        0.3,
        0.5,
        0.1,
        0.4,
    ]
    X_train, X_test = X[:500], X[500:]
    peer = FactorAnalysis(n_components=2, random_state=0).fit(X_train)
    vae = VAETransformer(
        hidden_layer_sizes=(),
        neighbor_weight=0.0,
        learning_rate=3e-2,
        min_sigma=1e-3,
        max_epochs=1000,
        batch_size=500,
        early_stopping=False,
        random_state=0,
    ).fit(X_train)
    ours = vae.score_samples(X_test, n_samples=500).mean()
    np.testing.assert_allclose(ours, peer.score(X_test), atol=0.1)


def test_grid_search_picks_the_true_latent_size():
    X, _, _ = make_latent_manifold(400, n_features=8, noise=0.05, random_state=0)
    search = GridSearchCV(
        VAETransformer(
            hidden_layer_sizes=(64,), max_epochs=150, learning_rate=1e-2, random_state=0
        ),
        {"n_components": [1, 2, 4]},
        cv=2,
    ).fit(X)
    scores = dict(
        zip(
            search.cv_results_["param_n_components"],
            search.cv_results_["mean_test_score"],
        )
    )
    assert search.best_params_["n_components"] in (2, 4)
    assert scores[2] > scores[1] + 1.0
    assert scores[4] < scores[2] + 0.5


def test_fit_is_reproducible_to_the_bit(manifold):
    a = VAETransformer(**FAST).fit(manifold)
    b = VAETransformer(**FAST).fit(manifold)
    for (name, weight_a), weight_b in zip(
        a.net_.module_.state_dict().items(), b.net_.module_.state_dict().values()
    ):
        assert torch.equal(weight_a, weight_b), name
    np.testing.assert_array_equal(a.transform(manifold), b.transform(manifold))
    c = VAETransformer(**{**FAST, "random_state": 1}).fit(manifold)
    assert not np.array_equal(a.transform(manifold), c.transform(manifold))


def test_global_torch_random_state_is_untouched(manifold):
    before = torch.get_rng_state()
    vae = VAETransformer(**FAST).fit(manifold)
    vae.partial_fit(manifold)
    vae.transform(manifold)
    vae.sample(5)
    vae.score_samples(manifold, n_samples=3)
    assert torch.equal(before, torch.get_rng_state())


def test_partial_fit_adds_one_epoch_and_keeps_standardisation(manifold):
    vae = VAETransformer(**FAST).partial_fit(manifold[:100])
    assert len(vae.history_) == 1
    mean = vae.mean_.copy()
    vae.partial_fit(manifold[100:] + 5.0)
    assert len(vae.history_) == 2
    np.testing.assert_array_equal(vae.mean_, mean)
    with pytest.raises(ValueError, match="features"):
        vae.partial_fit(manifold[:, :3])


def test_partial_fit_sequence_reproduces(manifold):
    def run():
        vae = VAETransformer(**FAST)
        for chunk in np.array_split(manifold, 3):
            vae.partial_fit(chunk)
        return vae.transform(manifold)

    np.testing.assert_array_equal(run(), run())


def test_user_callbacks_are_called(manifold):
    class CountEpochs(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    counter = CountEpochs()
    vae = VAETransformer(**{**FAST, "callbacks": [("count", counter)]}).fit(manifold)
    assert not hasattr(counter, "epochs")  # the parameter is copied, not mutated
    assert dict(vae.net_.callbacks_)["count"].epochs == len(vae.history_)


def test_verbose_shows_progress(manifold, capsys):
    VAETransformer(**{**FAST, "max_epochs": 2}).fit(manifold)
    quiet = capsys.readouterr()
    assert quiet.out == "" and quiet.err == ""
    VAETransformer(**{**FAST, "max_epochs": 2, "verbose": 1}).fit(manifold)
    loud = capsys.readouterr()
    assert "train_loss" in loud.out


def test_custom_convolutional_modules():
    X = np.random.default_rng(0).random((60, 64))
    encoder = nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 4, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 6 * 6, 2 * 3),
    )
    decoder = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 64))
    vae = VAETransformer(3, encoder=encoder, decoder=decoder, **FAST).fit(X)
    assert vae.transform(X).shape == (60, 3)
    assert vae.inverse_transform(vae.transform(X)).shape == (60, 64)
    again = VAETransformer(3, encoder=encoder, decoder=decoder, **FAST).fit(X)
    np.testing.assert_array_equal(vae.transform(X), again.transform(X))


def test_custom_module_of_wrong_width_is_refused(manifold):
    encoder = nn.Linear(6, 3)
    with pytest.raises(ValueError, match="encoder must map"):
        VAETransformer(encoder=encoder, **FAST).fit(manifold)
    decoder = nn.Linear(2, 4)
    with pytest.raises(ValueError, match="decoder must map"):
        VAETransformer(decoder=decoder, **FAST).fit(manifold)


def test_constant_column_keeps_a_finite_score():
    X = np.random.default_rng(0).normal(size=(100, 4))
    X[:, 2] = 3.0
    vae = VAETransformer(**FAST).fit(X)
    assert np.all(np.isfinite(vae.score_samples(X)))
    sigma = vae.net_.module_.noise_scale().detach().numpy()
    assert np.all(sigma >= vae.min_sigma)


class _NaNDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 6)

    def forward(self, z):
        return self.linear(z) * float("nan")


def test_nan_loss_stops_training_with_advice(manifold):
    vae = VAETransformer(decoder=_NaNDecoder(), **FAST)
    with pytest.raises(FloatingPointError, match="loss became nan.*learning_rate"):
        vae.fit(manifold)
    with pytest.raises(Exception, match="not fitted"):
        vae.transform(manifold)


def test_divergent_learning_rate_stops_with_an_error(manifold):
    with pytest.raises(FloatingPointError, match="training stopped"):
        VAETransformer(**{**FAST, "learning_rate": 1e30}).fit(manifold)


def test_failed_partial_fit_restores_the_model(manifold):
    vae = VAETransformer(**FAST).fit(manifold)
    vae.net_.set_params(lr=1e30)
    with pytest.raises(FloatingPointError):
        for _ in range(5):
            Z_before, n_epochs = vae.transform(manifold), len(vae.history_)
            vae.partial_fit(manifold)
    np.testing.assert_array_equal(vae.transform(manifold), Z_before)
    assert len(vae.history_) == n_epochs


@given(
    row=st.integers(0, 29),
    column=st.integers(0, 5),
    value=st.sampled_from([np.nan, np.inf, -np.inf]),
)
def test_non_finite_input_is_refused(fitted, manifold, row, column, value):
    X = manifold[:30].copy()
    X[row, column] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        VAETransformer(**FAST).fit(X)
    with pytest.raises(ValueError, match="NaN|infinity"):
        fitted.transform(X)


@given(width=st.integers(1, 12).filter(lambda width: width != 6))
def test_wrong_width_is_refused(fitted, width):
    X = np.zeros((4, width))
    with pytest.raises(ValueError, match="features"):
        fitted.transform(X)
    with pytest.raises(ValueError, match="features"):
        fitted.score_samples(X)


@given(
    value=st.one_of(st.floats(-1e6, -1e-6), st.floats(1 + 1e-6, 1e6)),
    row=st.integers(0, 9),
)
def test_bernoulli_refuses_data_outside_unit_interval(value, row):
    X = np.random.default_rng(0).random((10, 3))
    X[row, 1] = value
    with pytest.raises(ValueError, match=r"bernoulli.*\[0, 1\]"):
        VAETransformer(likelihood="bernoulli", **FAST).fit(X)


@given(n_samples=st.integers(-5, 0))
def test_bad_n_samples_is_refused(fitted, manifold, n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(n_samples)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.score_samples(manifold, n_samples=n_samples)


def test_values_beyond_float32_are_refused():
    X = np.ones((10, 2))
    X[0, 0] = 1e300
    with pytest.raises(ValueError, match="float32"):
        VAETransformer(likelihood="gaussian", **FAST).fit(X)


def test_one_row_with_early_stopping_is_refused():
    with pytest.raises(ValueError, match="n_samples=1"):
        VAETransformer(**FAST).fit(np.ones((1, 3)))
    VAETransformer(**{**FAST, "early_stopping": False}).fit(np.ones((1, 3)))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"likelihood": "poisson"}, "likelihood"),
        ({"min_sigma": 0.0}, "min_sigma"),
        ({"beta": -1.0}, "beta"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
        ({"activation": "swish"}, "activation"),
        ({"device": "tpu"}, "device"),
        ({"encoder": "mlp"}, "encoder"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"neighbor_weight": -1.0}, "neighbor_weight"),
        ({"perplexity": 0.5}, "perplexity"),
        ({"sampling_prior": "vamp"}, "sampling_prior"),
    ],
)
def test_bad_parameters_are_refused(manifold, params, message):
    with pytest.raises(ValueError, match=message):
        VAETransformer(**{**FAST, **params}).fit(manifold)


def _frame_with_categories(n_rows=300, seed=0):
    """A numeric column that depends on a categorical one, and a count."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=n_rows, p=[0.6, 0.3, 0.1])
    shift = np.select([colour == "red", colour == "green"], [0.0, 3.0], -3.0)
    return pd.DataFrame(
        {
            "size": shift + rng.normal(size=n_rows),
            "colour": pd.Categorical(colour),
            "count": rng.poisson(3.0, size=n_rows),
        }
    )


def test_data_frame_with_categories_comes_back_as_a_data_frame():
    """TVAE parity: a categorical column is learned through the table layer and
    comes back with its categories and frequencies; dtypes are kept."""
    frame = _frame_with_categories(600)
    vae = VAETransformer(random_state=0).fit(frame)
    np.testing.assert_array_equal(vae.categorical_features_, [False, True, False])
    samples, _ = vae.sample(2000, random_state=0)
    assert list(samples.columns) == list(frame.columns)
    assert (samples.dtypes == frame.dtypes).all()
    assert set(samples["colour"]) <= {"red", "green", "blue"}
    frequencies = samples["colour"].value_counts(normalize=True)
    np.testing.assert_allclose(
        frequencies[["red", "green", "blue"]], [0.6, 0.3, 0.1], atol=0.07
    )
    # The numeric column follows its category.
    means = samples.groupby("colour", observed=True)["size"].mean()
    np.testing.assert_allclose(means[["red", "green", "blue"]], [0, 3, -3], atol=0.75)
    assert np.all(np.isfinite(vae.score_samples(frame)))
    assert vae.transform(frame).shape == (600, 2)


def test_categorical_features_by_index_on_an_object_array():
    frame = _frame_with_categories(200)
    X = frame.to_numpy(dtype=object)
    vae = VAETransformer(categorical_features=[1], **FAST).fit(X)
    samples, _ = vae.sample(50, random_state=0)
    assert samples.dtype == object
    assert set(samples[:, 1]) <= {"red", "green", "blue"}
    with pytest.raises(ValueError, match="string to float|not numeric"):
        VAETransformer(**FAST).fit(X)
    unseen = X.copy()
    unseen[0, 1] = "purple"
    with pytest.raises(ValueError, match="purple"):
        vae.transform(unseen)


def _classes_table(n_rows=600, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(3, size=n_rows)
    centres = np.array([[0.0, 0.0, 0.0], [2.0, -2.0, 1.0], [-2.0, 1.0, -2.0]])
    return centres[y] + rng.normal(size=(n_rows, 3)), np.array(["a", "b", "c"])[y]


def test_conditional_samples_carry_their_class():
    """Rows sampled for class c look like the real rows of class c: a forest
    trained on conditional samples classifies real rows as well as one trained
    on the real rows."""
    X, y = _classes_table()
    vae = VAETransformer(
        conditional=True, hidden_layer_sizes=(32,), random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(vae.classes_, ["a", "b", "c"])
    labels = np.repeat(["a", "b", "c"], 300)
    samples, _ = vae.sample(len(labels), y=labels, random_state=0)
    X_test, y_test = _classes_table(seed=1)
    real = RandomForestClassifier(random_state=0).fit(X, y).score(X_test, y_test)
    synthetic = RandomForestClassifier(random_state=0).fit(samples, labels)
    assert synthetic.score(X_test, y_test) > real - 0.05
    for label in "abc":
        np.testing.assert_allclose(
            samples[labels == label].mean(0), X[y == label].mean(0), atol=0.3
        )
    # Without y, the classes come with their training frequencies.
    assert vae.sample(5, random_state=0)[0].shape == (5, 3)


def test_conditional_transform_and_score_sum_the_class_out():
    """Without a class, the score is a bound on log p(x) = log sum_c p(c) p(x|c):
    at least the bound of the row's own class plus log p(c)."""
    X, y = _classes_table(300)
    vae = VAETransformer(conditional=True, **FAST).fit(X, y)
    scores = vae.score_samples(X)
    assert scores.shape == (300,) and np.all(np.isfinite(scores))
    assert vae.transform(X).shape == (300, 2)
    assert vae.inverse_transform(vae.transform(X), y=y).shape == (300, 3)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (None, "needs the class"),
        (np.linspace(0, 1, 60), "continuous target"),
        (np.r_[np.nan, np.zeros(59)], "missing values"),
        (np.zeros(59), "y has 59 labels for 60 rows"),
    ],
)
def test_conditional_fit_refuses_bad_y(y, message):
    X = np.random.default_rng(0).normal(size=(60, 3))
    with pytest.raises(ValueError, match=message):
        VAETransformer(conditional=True, **FAST).fit(X, y)


def test_sampling_classes_are_checked(fitted):
    X, y = _classes_table(100)
    vae = VAETransformer(conditional=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="not seen in fit"):
        vae.sample(3, y="d")
    with pytest.raises(ValueError, match="y has 2 labels for 3 rows"):
        vae.sample(3, y=["a", "b"])
    with pytest.raises(ValueError, match="conditional=False"):
        fitted.sample(3, y="a")


def test_partial_fit_streams_columns_whose_first_batch_looks_constant():
    """One batch cannot tell a column's kind: values unseen in the first batch
    of a numeric column are accepted later."""
    rng = np.random.default_rng(0)
    first = np.column_stack([np.zeros(20), rng.integers(2, size=20), rng.random(20)])
    later = np.column_stack(
        [np.full(20, 3.0), rng.integers(5, size=20), rng.random(20)]
    )
    vae = VAETransformer(**FAST).partial_fit(first)
    vae.partial_fit(later)
    assert np.all(np.isfinite(vae.score_samples(later)))


def test_two_valued_intensities_stay_numbers_for_new_rows():
    """A column with two values that are not integers (a rarely lit pixel) is a
    number, so a new row may hold a third value; two integer values are a
    binary column."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.choice([0.0, 0.0625], size=100), rng.random(100)])
    vae = VAETransformer(**FAST).fit(X)
    np.testing.assert_array_equal(vae.table_.kinds_, ["numeric", "numeric"])
    assert np.all(np.isfinite(vae.score_samples([[0.125, 0.5]])))


def test_partial_fit_samples_come_back_in_the_columns_dtypes():
    """A stream models every numeric column as a number; its samples are still
    values that the training frame's dtypes hold."""
    rng = np.random.default_rng(1)
    n = 80
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "flag": rng.random(n) < 0.5,
            "small": rng.integers(0, 3, n).astype(np.uint8),
            "near_top": rng.integers(120, 128, n).astype(np.int8),
        }
    )
    vae = VAETransformer(**FAST).partial_fit(frame)
    vae.partial_fit(frame)
    samples, _ = vae.sample(400)
    pd.testing.assert_series_equal(samples.dtypes, frame.dtypes)
    # Rounded and kept inside the dtype, not cast with wrap-around.
    assert 0.2 < samples["flag"].mean() < 0.8
    assert samples["near_top"].min() > 60
    assert samples["small"].max() < 20


def test_clipped_samples_after_partial_fit_span_every_batch():
    rng = np.random.default_rng(2)
    first, later = rng.normal(size=(40, 2)), 10.0 * rng.normal(size=(200, 2))
    vae = VAETransformer(clip_to_training_range=True, **FAST).partial_fit(first)
    for _ in range(20):
        vae.partial_fit(later)
    samples, _ = vae.sample(500)
    seen = np.vstack([first, later])
    np.testing.assert_array_equal(vae.table_.min_, seen.min(0))
    assert np.all((samples >= seen.min(0)) & (samples <= seen.max(0)))
    assert np.any(np.abs(samples) > np.abs(first).max(0))


def test_a_one_row_batch_keeps_the_mixture_prior(manifold):
    vae = VAETransformer(sampling_prior="mixture", **FAST).fit(manifold)
    weights = vae.prior_weights_.copy()
    vae.partial_fit(manifold[:1])
    np.testing.assert_array_equal(vae.prior_weights_, weights)
    assert vae.sample(4)[0].shape == (4, manifold.shape[1])


def test_a_first_batch_of_one_row_starts_the_mixture_prior_as_standard_normal(
    manifold,
):
    vae = VAETransformer(sampling_prior="mixture", **FAST).partial_fit(manifold[:1])
    np.testing.assert_array_equal(vae.prior_weights_, [1.0])
    np.testing.assert_array_equal(vae.prior_means_, np.zeros((1, 2)))
    np.testing.assert_array_equal(vae.prior_covariances_, np.eye(2)[None])
    assert np.isfinite(vae.score(manifold))
    vae.partial_fit(manifold[:50])
    assert not np.array_equal(vae.prior_means_, np.zeros((1, 2)))


@pytest.mark.parametrize(
    "weights, message",
    [(np.ones(3), r"sample_weight.shape == \(3,\)"), (-np.ones(300), "Negative")],
)
def test_score_rejects_bad_sample_weights(fitted, manifold, weights, message):
    with pytest.raises(ValueError, match=message):
        fitted.score(manifold, sample_weight=weights)


def test_an_all_categorical_frame_is_modelled_and_sampled():
    rng = np.random.default_rng(3)
    colour = rng.choice(["red", "green", "blue"], 120)
    size = np.where(colour == "red", "large", rng.choice(["small", "large"], 120))
    frame = pd.DataFrame({"colour": pd.Categorical(colour), "size": size})
    vae = VAETransformer(early_stopping=False, **{**FAST, "max_epochs": 150})
    vae.fit(frame)
    samples, _ = vae.sample(300)
    pd.testing.assert_series_equal(samples.dtypes, frame.dtypes)
    assert set(samples["colour"]) <= {"red", "green", "blue"}
    # Every red row is large, half of the others: the dependence is learned.
    large = samples["size"] == "large"
    red = samples["colour"] == "red"
    assert large[red].mean() > large[~red].mean() + 0.1


@pytest.mark.parametrize("centre, spread", [(0.0, 1e-14), (1e6, 1e-7)])
def test_samples_keep_the_spread_of_a_column_that_is_tiny_in_absolute_terms(
    centre, spread
):
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.normal(size=200), centre + spread * rng.normal(size=200)])
    vae = VAETransformer(**FAST).fit(X)
    samples, _ = vae.sample(500)
    assert 0.85 < samples[:, 1].std() / X[:, 1].std() < 1.15
