"""
=====================================================
A GAN that covers every mode: the ring and the grid
=====================================================

The standard test of mode collapse: eight Gaussians on a ring and twenty-five on a
grid, each narrow. A collapsed GAN generates a few of the modes only. Here
:class:`~sklatent.GANSampler` is trained on each and its samples are drawn next to
the real data, with :func:`~sklatent.metrics.mode_coverage` counting the modes
covered, the fraction of high-quality samples (within three standard deviations of
a centre) and the reverse KL divergence of the mode frequencies.

To keep this example under a minute, each model is trained for 500 epochs of four
batches (2000 updates) instead of the 4000 that ``max_epochs="auto"`` would give
these 2000 rows; ``benchmarks/bench_gan.py`` measures the defaults.
"""

import matplotlib.pyplot as plt

from sklatent import GANSampler
from sklatent.datasets import make_gaussian_grid, make_gaussian_ring
from sklatent.metrics import mode_coverage

datasets = {
    "8 Gaussians on a ring (std 0.01)": (make_gaussian_ring, 0.01),
    "25 Gaussians on a grid (std 0.05)": (make_gaussian_grid, 0.05),
}

fig, axes = plt.subplots(2, 2, figsize=(8, 8))
for row, (title, (make, std)) in zip(axes, datasets.items()):
    X, _, centers = make(2000, random_state=0)
    gan = GANSampler(max_epochs=500, random_state=0).fit(X)
    X_new, _ = gan.sample(2500, random_state=1)
    result = mode_coverage(X_new, centers, std)
    row[0].scatter(*X.T, s=2, alpha=0.4)
    row[0].set_title(f"real: {title}", fontsize=9)
    row[1].scatter(*X_new.T, s=2, alpha=0.4, color="tab:orange")
    row[1].set_title(
        f"generated: {result.modes_covered}/{len(centers)} modes,\n"
        f"{100 * result.high_quality:.1f} % high quality, "
        f"reverse KL {result.reverse_kl:.3f}",
        fontsize=9,
    )
    for ax in row:
        ax.scatter(*centers.T, marker="+", color="black", s=30)
        ax.set_aspect("equal")
fig.tight_layout()
plt.show()

# %%
# The training curves: the critic loss is minus the critic's estimate of the
# Wasserstein distance (plus the gradient penalty); it rises towards zero as the
# generated distribution approaches the real one.
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(gan.history_[:, "critic_loss"], label="critic loss")
ax.plot(gan.history_[:, "train_loss"], label="generator loss")
ax.set_xlabel("epoch")
ax.legend()
plt.show()
