"""
=============================================
Segmenting a regime-switching series with HMM
=============================================

A market (or a machine, or a patient) often switches between a few hidden
*regimes*, each with its own typical behaviour. Here daily returns come from three
regimes: a calm rise, a volatile fall and a quiet sideways drift. Nobody tells us
which day belongs to which regime; a :class:`~sklatent.GaussianHMM` finds the
regimes, how long they last and when they switch, from the returns alone.
"""

# %%
# A regime-switching series
# -------------------------
# Each regime keeps its own mean and volatility of the daily return, and lasts a
# few weeks on average before the series switches to another.
import matplotlib.pyplot as plt
import numpy as np

from sklatent import GaussianHMM

rng = np.random.default_rng(0)
regime_names = ["calm rise", "volatile fall", "sideways"]
mean_return = np.array([0.08, -0.15, 0.0])
volatility = np.array([0.5, 2.0, 0.25])
stay = np.array([0.97, 0.95, 0.96])

n_days = 2000
true_regime = np.empty(n_days, dtype=int)
true_regime[0] = 0
for day in range(1, n_days):
    previous = true_regime[day - 1]
    if rng.random() < stay[previous]:
        true_regime[day] = previous
    else:
        true_regime[day] = rng.choice([r for r in range(3) if r != previous])
returns = mean_return[true_regime] + volatility[true_regime] * rng.standard_normal(
    n_days
)
price = 100 * np.exp(np.cumsum(returns) / 100)

# %%
# Fit and decode
# --------------
# Rows are time steps; the whole series is one sequence. The regimes differ more
# in their spread than in their mean, which k-means (the first start) cannot see;
# ``n_init`` restarts EM from random frames too and keeps the best fit.
X = returns.reshape(-1, 1)
hmm = GaussianHMM(n_components=3, n_iter=200, n_init=5, random_state=0).fit(X)
decoded = hmm.predict(X)  # the most likely regime path (Viterbi)
posteriors = hmm.predict_proba(X)  # P(regime of day t | the whole series)
online = hmm.filter_proba(X)  # P(regime of day t | days up to t only)

# %%
# What the fitted model says
# --------------------------
# Each state has a mean return and a variance; the diagonal of the transition
# matrix gives the expected duration of a regime, ``1 / (1 - p_stay)`` days.
order = np.argsort(hmm.means_[:, 0])[::-1]  # states sorted by mean return
for state in order:
    duration = 1 / (1 - hmm.transmat_[state, state])
    print(
        f"state {state}: mean {hmm.means_[state, 0]:+.3f}, "
        f"volatility {np.sqrt(hmm.covariances_[state, 0]):.2f}, "
        f"lasts {duration:.0f} days on average"
    )
print(f"EM ran {hmm.n_iter_} iterations, converged: {hmm.converged_}")

# %%
# The labels of hidden states are arbitrary; match each learnt state to the true
# regime it overlaps most, then count how many days are decoded right.
overlap = np.zeros((3, 3))
np.add.at(overlap, (decoded, true_regime), 1)
state_to_regime = overlap.argmax(axis=1)
accuracy = np.mean(state_to_regime[decoded] == true_regime)
print(f"days assigned to their true regime: {accuracy:.1%}")

# %%
# Decoded regimes over the data
# -----------------------------
# The price path is coloured by the decoded regime; below, the smoothed posterior
# of the volatile regime is compared with its online (filtered) estimate, which
# only sees the past and so reacts a little later.
colors = ["tab:green", "tab:red", "tab:gray"]
days = np.arange(n_days)
fig, (ax_price, ax_true, ax_proba) = plt.subplots(
    3, 1, figsize=(9, 7), sharex=True, height_ratios=[3, 0.4, 1.5]
)
for regime in range(3):
    in_regime = state_to_regime[decoded] == regime
    ax_price.scatter(
        days[in_regime],
        price[in_regime],
        s=3,
        color=colors[regime],
        label=regime_names[regime],
    )
ax_price.set_ylabel("price")
ax_price.set_title("Price coloured by the decoded regime")
ax_price.legend(markerscale=4, loc="upper left")

ax_true.imshow(
    true_regime[np.newaxis],
    aspect="auto",
    cmap=plt.matplotlib.colors.ListedColormap(colors),
    extent=(0, n_days, 0, 1),
    interpolation="nearest",
)
ax_true.set_yticks([])
ax_true.set_ylabel("truth", rotation=0, ha="right", va="center")

volatile_state = int(np.flatnonzero(state_to_regime == 1)[0])
ax_proba.plot(days, posteriors[:, volatile_state], label="smoothed (predict_proba)")
ax_proba.plot(days, online[:, volatile_state], label="online (filter_proba)", alpha=0.7)
ax_proba.set_ylabel("P(volatile fall)")
ax_proba.set_xlabel("day")
ax_proba.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# A few labelled days, and gaps in the record
# -------------------------------------------
# Suppose an analyst has labelled 30 of the 2,000 days with their regime, and 5%
# of the returns were never recorded (NaN). ``known_states`` (-1 for an unlabelled
# day) clamps the labelled days in EM, so state ``k`` of the fit *is* regime
# ``k``: no matching of labels afterwards. The missing returns are marginalised
# out of every computation, fit and decoding alike. Thirty labels do not make
# the search for the optimum easier, so the fit keeps its restarts.
known = np.full(n_days, -1)
labelled_days = rng.choice(n_days, 30, replace=False)
known[labelled_days] = true_regime[labelled_days]
X_gappy = X.copy()
X_gappy[rng.random(n_days) < 0.05] = np.nan
labelled_hmm = GaussianHMM(n_components=3, n_iter=200, n_init=5, random_state=0)
labelled_hmm.fit(X_gappy, known_states=known)
labelled_accuracy = np.mean(labelled_hmm.predict(X_gappy) == true_regime)
print(f"state k is regime k on {labelled_accuracy:.1%} of the days")
for regime, name in enumerate(regime_names):
    print(
        f"{name}: mean {labelled_hmm.means_[regime, 0]:+.3f}, volatility "
        f"{np.sqrt(labelled_hmm.covariances_[regime, 0]):.2f}"
    )

# %%
# Generating new series
# ---------------------
# The fitted model is generative: :meth:`~sklatent.GaussianHMM.sample` draws a new
# series of returns together with the regimes behind it.
new_returns, new_regimes = hmm.sample(500, random_state=1)
print(new_returns.shape, np.bincount(new_regimes, minlength=3))
