"""
===========================================
Quiet and busy hours in counts of events
===========================================

A help desk logs how many calls and how many e-mails arrive each hour. The load
switches between hidden regimes (night, normal hours, an incident) that last a
few hours each, and within a regime the counts are Poisson. A
:class:`~sklatent.PoissonHMM` recovers the regimes and their rates from the
counts, even with some hours missing from the log.
"""

# %%
# Hourly counts from three regimes
# --------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklatent import PoissonHMM

regimes = ["night", "normal", "incident"]
rates = np.array([[1.0, 0.5], [8.0, 4.0], [25.0, 15.0]])  # calls, e-mails per hour
transmat = np.array([[0.9, 0.09, 0.01], [0.06, 0.9, 0.04], [0.05, 0.2, 0.75]])

rng = np.random.default_rng(0)
n_hours = 24 * 60
true_regime = np.empty(n_hours, dtype=int)
true_regime[0] = 0
for hour in range(1, n_hours):
    true_regime[hour] = rng.choice(3, p=transmat[true_regime[hour - 1]])
counts = rng.poisson(rates[true_regime]).astype(float)
# The e-mail server was down for two days: those counts are missing.
counts[24 * 20 : 24 * 22, 1] = np.nan

# %%
# Fit and decode
# --------------
# Missing counts (NaN) are marginalised out: those hours are decoded from their
# calls alone.
hmm = PoissonHMM(n_components=3, n_iter=100, random_state=0).fit(counts)
decoded = hmm.predict(counts)
order = np.argsort(hmm.lambdas_[:, 0])  # states sorted by their call rate
for name, state in zip(regimes, order):
    calls, mails = hmm.lambdas_[state]
    print(f"{name}: {calls:.1f} calls and {mails:.1f} e-mails per hour")
accuracy = np.mean(np.argsort(order)[decoded] == true_regime)
print(f"hours decoded with their true regime: {accuracy:.1%}")

# %%
# Decoded regimes over a week
# ---------------------------
hours = np.arange(24 * 18, 24 * 25)
rank = np.argsort(order)[decoded]
fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
top.plot(hours, counts[hours, 0], lw=0.8, label="calls")
top.plot(hours, counts[hours, 1], lw=0.8, label="e-mails (gap: missing)")
top.plot(
    hours,
    hmm.inverse_transform(hmm.predict_proba(counts))[hours, 0],
    lw=1.5,
    label="expected calls",
)
top.set_ylabel("per hour")
top.legend(loc="upper right")
bottom.step(hours, true_regime[hours], where="mid", lw=1, label="true regime")
bottom.step(hours, rank[hours], where="mid", lw=1, ls="--", label="decoded")
bottom.set_yticks(range(3), regimes)
bottom.set_xlabel("hour")
bottom.legend(loc="upper right")
fig.tight_layout()
plt.show()
