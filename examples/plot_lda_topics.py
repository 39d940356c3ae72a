"""
==================================================
Topics of the Python standard library's docstrings
==================================================

The documentation that ships with Python is a corpus too. Each docstring of a
public function, class or method of some standard-library modules becomes one
document; a :class:`~sklearn.feature_extraction.text.CountVectorizer` turns the
documents into word counts and :class:`~sklatent.LDATopics` learns what they talk
about. Each topic is a distribution over the words; we plot the most probable
words of each, and score the topics' coherence on the same documents.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline

from sklatent import LDATopics
from sklatent.datasets import load_stdlib_docstrings
from sklatent.metrics import topic_coherence

# %%
# A corpus from the standard library
# ----------------------------------
# :func:`~sklatent.datasets.load_stdlib_docstrings` reads the docstrings of about
# fifty modules covering text, numbers, files, networking, concurrency, dates and
# data formats; each docstring is one document.
documents = load_stdlib_docstrings()
print(f"{len(documents)} docstrings")

# %%
# Vectorise and fit in one pipeline
# ---------------------------------
# Words must appear in at least 5 docstrings and in at most a fifth of them;
# English stop words and words of fewer than three letters are dropped.
pipe = make_pipeline(
    CountVectorizer(
        stop_words="english", min_df=5, max_df=0.2, token_pattern=r"\b[a-zA-Z]{3,}\b"
    ),
    LDATopics(n_components=10, max_iter=30, random_state=0),
)
doc_topic = pipe.fit_transform(documents)
vectorizer, lda = pipe[0], pipe[-1]
counts = vectorizer.transform(documents)
print(f"vocabulary: {counts.shape[1]} words, perplexity {lda.perplexity(counts):.0f}")

# %%
# The top words of each topic
# ---------------------------
# ``top_words`` takes the vocabulary of the vectorizer; the bars are the words'
# probabilities within the topic.
n_words = 8
words = lda.top_words(n_words, feature_names=vectorizer.get_feature_names_out())
coherence = topic_coherence(lda, counts, measure="c_npmi", top_n=n_words)
topic_word = lda.topic_word_distribution_
order = np.argsort(-topic_word, axis=1)[:, :n_words]

fig, axes = plt.subplots(2, 5, figsize=(14, 6.5), sharex=True)
for topic, ax in enumerate(axes.ravel()):
    weights = topic_word[topic, order[topic]]
    ax.barh(np.arange(n_words), weights, color="tab:blue")
    ax.set_yticks(np.arange(n_words), words[topic])
    ax.invert_yaxis()
    ax.set_title(
        f"topic {topic} (share {doc_topic[:, topic].mean():.0%})\n"
        f"NPMI {coherence[topic]:.2f}",
        fontsize=10,
    )
    ax.tick_params(labelsize=9)
fig.suptitle("Topics of standard-library docstrings: top words and probabilities")
fig.tight_layout()
plt.show()

# %%
# Documents as topic mixtures
# ---------------------------
# ``transform`` gives each docstring a mixture of the topics (the latent
# variable). The docstring closest to each of three topics:
for topic in range(3):
    best = np.argmax(doc_topic[:, topic])
    first_line = documents[best].splitlines()[0]
    print(f"topic {topic} ({', '.join(words[topic, :3])}): {first_line[:70]}")
