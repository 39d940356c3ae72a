"""
======================================================
Oversampling a rare class with a class-conditional GAN
======================================================

A classifier trained on imbalanced data tends to neglect the rare class. With
``conditional=True``, :class:`~sklatent.GANSampler` learns to generate rows of a
class on demand, so balancing the training set is one call to ``sample``. We
compare the balanced accuracy of a classifier trained on the original rows with one
trained on the rows plus generated rows of the rare class, on a held-out test set.

To keep the example short, the GAN is trained for 300 epochs (900 updates) instead
of the 2400 that ``max_epochs="auto"`` would give these 1200 rows.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sklatent import GANSampler

X, y = make_classification(
    n_samples=2400,
    n_features=6,
    n_informative=4,
    weights=[0.95],
    class_sep=0.8,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
print("training rows per class:", np.bincount(y_train))

# %%
# Fit a class-conditional GAN and draw rows of the rare class until the classes
# are balanced.
gan = GANSampler(conditional=True, max_epochs=300, random_state=0)
gan.fit(X_train, y_train)
n_missing = np.sum(y_train == 0) - np.sum(y_train == 1)
X_rare, _ = gan.sample(n_missing, y=1, random_state=0)
X_balanced = np.vstack([X_train, X_rare])
y_balanced = np.concatenate([y_train, np.ones(n_missing, dtype=int)])

# %%
# Train the same classifier on both training sets.
scores = {}
for name, (X_fit, y_fit) in {
    "original": (X_train, y_train),
    "+ GAN rows of the rare class": (X_balanced, y_balanced),
}.items():
    classifier = HistGradientBoostingClassifier(random_state=0).fit(X_fit, y_fit)
    scores[name] = balanced_accuracy_score(y_test, classifier.predict(X_test))
    print(f"{name}: balanced accuracy {scores[name]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
rare = X_train[y_train == 1]
axes[0].scatter(*X_train[y_train == 0][:, :2].T, s=3, alpha=0.3, label="common")
axes[0].scatter(*rare[:, :2].T, s=10, label="rare (real)")
axes[0].scatter(*X_rare[:, :2].T, s=3, alpha=0.3, label="rare (generated)")
axes[0].set_title("first two features")
axes[0].legend(fontsize=8)
axes[1].bar(list(scores), list(scores.values()), color=["tab:gray", "tab:green"])
axes[1].set_ylim(0.5, 1.0)
axes[1].set_ylabel("balanced accuracy on held-out rows")
fig.tight_layout()
plt.show()
