"""
======================================================
Choosing the number of topics on the Python docstrings
======================================================

How many topics does a corpus support? We fit :class:`~sklatent.LDATopics` with
several numbers of topics to 80 % of the standard library's docstrings and score
each model on the other 20 %, with the three held-out scores of the user guide:

- the held-out log-likelihood per word, estimated by
  :meth:`~sklatent.LDATopics.estimate_log_likelihood` (higher is better);
- the document-completion perplexity
  (:func:`~sklatent.metrics.completion_perplexity`: half of each held-out
  document's words predict the other half; lower is better);
- the evidence lower bound per word (``score``, higher is better), a bound
  whose gap to the likelihood grows with the number of topics;

and, as a separate criterion, the NPMI coherence of the topics' top words in
sliding windows of 10 tokens (:func:`~sklatent.metrics.topic_coherence`).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from sklatent import LDATopics
from sklatent.datasets import load_stdlib_docstrings
from sklatent.metrics import completion_perplexity, topic_coherence

# %%
# Training and held-out documents
# -------------------------------
documents = load_stdlib_docstrings()
order = np.random.RandomState(0).permutation(len(documents))
n_train = int(0.8 * len(documents))
train = [documents[i] for i in order[:n_train]]
test = [documents[i] for i in order[n_train:]]
vectorizer = CountVectorizer(
    stop_words="english", min_df=3, token_pattern=r"\b[a-zA-Z]{3,}\b"
)
X_train = vectorizer.fit_transform(train)
X_test = vectorizer.transform(test)
analyzer = vectorizer.build_analyzer()
texts = [analyzer(doc) for doc in train]
print(f"{X_train.shape[0]} training, {X_test.shape[0]} held-out docstrings")

# %%
# Scores against the number of topics
# -----------------------------------
candidates = [2, 5, 10, 20, 30, 45]
scores = {"log-likelihood": [], "completion": [], "bound": [], "NPMI": []}
for n_topics in candidates:
    lda = LDATopics(n_components=n_topics, max_iter=20, random_state=0).fit(X_train)
    log_likelihood = lda.estimate_log_likelihood(X_test, random_state=0)
    scores["log-likelihood"].append(log_likelihood.sum() / X_test.sum())
    scores["completion"].append(completion_perplexity(lda, X_test))
    scores["bound"].append(lda.score_samples(X_test).sum() / X_test.sum())
    coherence = topic_coherence(
        lda, texts=texts, vocabulary=vectorizer, measure="c_npmi"
    )
    scores["NPMI"].append(coherence.mean())
    print(
        f"{n_topics:3d} topics: log-likelihood/word "
        f"{scores['log-likelihood'][-1]:.3f}, completion perplexity "
        f"{scores['completion'][-1]:.0f}, NPMI {scores['NPMI'][-1]:.3f}"
    )

# %%
# The held-out scores improve quickly up to some tens of topics and then flatten:
# that is the number of topics this small corpus supports. The bound keeps a
# growing gap below the log-likelihood. Coherence answers another question (are
# the top words about one thing?) and need not peak at the same place.
fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharex=True)
axes[0].plot(candidates, scores["log-likelihood"], "o-", label="log-likelihood")
axes[0].plot(candidates, scores["bound"], "s--", label="lower bound (ELBO)")
axes[0].set_ylabel("held-out nats per word (higher is better)")
axes[0].legend()
axes[1].plot(candidates, scores["completion"], "o-", color="tab:green")
axes[1].set_ylabel("completion perplexity (lower is better)")
axes[2].plot(candidates, scores["NPMI"], "o-", color="tab:red")
axes[2].set_ylabel("NPMI coherence, windows of 10 (higher is better)")
for ax in axes:
    ax.set_xlabel("number of topics")
fig.suptitle(
    "Standard-library docstrings: held-out scores against the number of topics"
)
fig.tight_layout()
plt.show()
