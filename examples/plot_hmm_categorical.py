"""
==================================================
Hidden regimes behind a sequence of symbols
==================================================

Someone's daily activity is one of four symbols: *walk*, *shop*, *clean* or
*read*. What they do depends on a hidden "weather" regime that lasts several
days: on sunny days they mostly walk and shop, on rainy days they clean and read.
A :class:`~sklatent.CategoricalHMM` sees only the activities and recovers the
regimes, the activity mix of each and when the weather changed, as in the
classic example of Rabiner's HMM tutorial.
"""

# %%
# A symbol sequence with hidden regimes
# -------------------------------------
# :func:`~sklatent.datasets.make_categorical_sequences` draws a random two-state
# model; here we set one by hand to give the states a meaning.
import matplotlib.pyplot as plt
import numpy as np

from sklatent import CategoricalHMM

activities = ["walk", "shop", "clean", "read"]
weather = ["sunny", "rainy"]
emissionprob = np.array([[0.5, 0.35, 0.1, 0.05], [0.05, 0.15, 0.4, 0.4]])
stay = 0.92

rng = np.random.default_rng(1)
n_days = 1500
true_weather = np.empty(n_days, dtype=int)
true_weather[0] = 0
for day in range(1, n_days):
    previous = true_weather[day - 1]
    true_weather[day] = previous if rng.random() < stay else 1 - previous
symbols = np.array([rng.choice(4, p=emissionprob[w]) for w in true_weather])
X = symbols.reshape(-1, 1)  # one column of symbols, as in hmmlearn

# %%
# Fit and decode
# --------------
# EM starts from random symbol distributions; a few restarts keep the best fit.
hmm = CategoricalHMM(n_components=2, n_iter=200, n_init=5, random_state=0).fit(X)
decoded = hmm.predict(X)  # the most likely weather path (Viterbi)
posteriors = hmm.predict_proba(X)  # P(weather of day t | all days)

# The labels of hidden states are arbitrary: match them to the true regimes.
overlap = np.zeros((2, 2))
np.add.at(overlap, (decoded, true_weather), 1)
state_to_weather = overlap.argmax(axis=1)
accuracy = np.mean(state_to_weather[decoded] == true_weather)
print(f"days decoded with their true weather: {accuracy:.1%}")
for state in range(2):
    mix = ", ".join(
        f"{name} {p:.2f}" for name, p in zip(activities, hmm.emissionprob_[state])
    )
    duration = 1 / (1 - hmm.transmat_[state, state])
    print(
        f"state {state} ({weather[state_to_weather[state]]}): {mix}; "
        f"lasts {duration:.1f} days on average"
    )

# %%
# Decoded regimes over the data
# -----------------------------
# Top: the activities, coloured by the true weather. Bottom: the posterior
# probability of a sunny day and the decoded path.
sunny = int(np.flatnonzero(state_to_weather == 0)[0])
days = np.arange(300)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
for w, colour in zip(range(2), ["tab:orange", "tab:blue"]):
    chosen = true_weather[days] == w
    top.scatter(days[chosen], symbols[days][chosen], s=8, c=colour, label=weather[w])
top.set_yticks(range(4), activities)
top.set_title("Activities, coloured by the true (hidden) weather")
top.legend(loc="upper right")
bottom.plot(days, posteriors[days, sunny], lw=1, label="P(sunny | all days)")
bottom.step(days, decoded[days] == sunny, where="mid", lw=1, label="decoded sunny")
bottom.set_xlabel("day")
bottom.set_ylim(-0.05, 1.05)
bottom.legend(loc="upper right")
fig.tight_layout()
plt.show()
