"""
=====================================
The latent space of a VAE on digits
=====================================

A :class:`~sklatent.VAETransformer` with a 2-D code learns a map of the handwritten
digits: each image becomes a point, similar images become nearby points, and every
point of the plane decodes to an image. We fit it with its default settings (the
ELBO alone) and with the optional neighbour-embedding term that lays out 2-D codes
for a picture, compare their codes of held-out images and what each costs, decode
a grid of latent points, and walk between two digits with
:func:`sklatent.latent.interpolate`.
"""

# %%
# Fit on 75 % of the digits
# -------------------------
# Pixels are scaled to [0, 1]; the VAE standardises them inside and answers in
# the same units.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklatent import VAETransformer
from sklatent.latent import interpolate
from sklatent.metrics import mmd

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16, y, test_size=0.25, stratify=y, random_state=0
)
vae = VAETransformer(n_components=2, random_state=0).fit(X_train)
# The neighbour term: a 2-D embedding for the picture, not the ELBO alone.
neighbours = VAETransformer(n_components=2, neighbor_weight=100, random_state=0)
neighbours.fit(X_train)
pca = PCA(n_components=2).fit(X_train)

# How far samples are from the test images; real training images give the floor.
print(f"MMD of as many real training images: {mmd(X_test, X_train[:450]):.4f}")
for name, model in [("PCA", pca), ("VAE", vae), ("VAE + neighbour term", neighbours)]:
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit(model.transform(X_train), y_train)
    accuracy = classifier.score(model.transform(X_test), y_test)
    mse = np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)
    line = f"{name}: accuracy on the 2-D code {accuracy:.3f}, MSE {mse:.4f}"
    if model is not pca:
        samples = model.sample(len(X_test), random_state=0)[0]
        line += f", test ELBO {model.score(X_test):.1f}"
        line += f", MMD of samples {mmd(X_test, samples):.4f}"
    print(line)

# %%
# Learning curves
# ---------------
# ``history_`` keeps the training loss (negative ELBO with the KL term warming up
# over the first epochs) and the held-out loss (negative ELBO) per image, in the
# standardised units of training, of every epoch; early stopping kept the epoch
# with the best held-out ELBO.
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(vae.history_[:, "train_loss"], label="training")
ax.plot(vae.history_[:, "valid_loss"], label="held out")
ax.set(xlabel="epoch", ylabel="negative ELBO per image")
ax.legend()
fig.tight_layout()

# %%
# Held-out digits in the latent space
# -----------------------------------
# The posterior means of the test images, coloured by their (unseen) labels. On
# the ELBO alone (left, the default), the digits that vary most claim long wedges
# and the look-alikes crowd at the centre; the neighbour term (right) keeps every
# class together and apart from the others, which is what the linear classifier
# above needs, at the price of samples further from the data.
fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
for ax, model, title in [
    (axes[0], vae, "Default: the ELBO alone"),
    (axes[1], neighbours, "neighbor_weight=100"),
]:
    Z_test = model.transform(X_test)
    points = ax.scatter(Z_test[:, 0], Z_test[:, 1], c=y_test, cmap="tab10", s=12)
    ax.set(xlabel="$z_1$", ylabel="$z_2$", title=title)
fig.colorbar(points, ax=axes, ticks=range(10), label="digit")

# %%
# Decoding a grid of latent points
# --------------------------------
# The prior is a standard normal, so the square [-3, 3]² covers nearly all the
# codes; each cell shows the decoder's mean image at that point.
n_grid = 12
values = np.linspace(-3, 3, n_grid)
grid = np.array([[z1, z2] for z2 in values[::-1] for z1 in values])
images = vae.inverse_transform(grid).reshape(n_grid, n_grid, 8, 8)
# One blank pixel around every image keeps the tiles apart.
tiles = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
mosaic = tiles.transpose(0, 2, 1, 3).reshape(n_grid * 10, n_grid * 10)
fig, ax = plt.subplots(figsize=(6, 6))
ax.imshow(mosaic, cmap="gray_r", extent=(-3, 3, -3, 3), vmin=0, vmax=1)
ax.set(xlabel="$z_1$", ylabel="$z_2$", title="Decoded latent grid")
fig.tight_layout()

# %%
# From one digit to another
# -------------------------
# Encode a test "0" and a test "6", walk between their codes along the great
# circle (``method="slerp"``) and decode every step.
start = X_test[np.flatnonzero(y_test == 0)[0]]
end = X_test[np.flatnonzero(y_test == 6)[0]]
path = interpolate(vae, start, end, n_steps=9, method="slerp")
fig, axes = plt.subplots(1, 11, figsize=(11, 1.5))
for ax, image, title in zip(axes, [start, *path, end], ["input", *[""] * 9, "input"]):
    ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(title, fontsize=8)
    ax.axis("off")
fig.suptitle("Interpolation between two digits (reconstructions in between)")
plt.show()
