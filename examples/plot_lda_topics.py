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

import importlib
import inspect

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline

from sklatent import LDATopics
from sklatent.metrics import topic_coherence

# %%
# A corpus from the standard library
# ----------------------------------
# Modules chosen to cover several areas: text, numbers, files, networking,
# concurrency, dates and data formats.
MODULES = """
    argparse asyncio calendar collections concurrent.futures configparser csv
    datetime decimal difflib email.message fractions ftplib functools gzip hashlib
    heapq http.client imaplib itertools json logging mailbox math multiprocessing
    os pathlib pickle queue random re shutil smtplib socket sqlite3 statistics
    string subprocess tarfile tempfile textwrap threading time unittest
    urllib.parse urllib.request uuid zipfile zoneinfo
""".split()


def docstrings(module_name):
    """The docstrings of a module's public objects and their methods."""
    module = importlib.import_module(module_name)
    found = []
    for name, obj in inspect.getmembers(module):
        if name.startswith("_") or not (inspect.isclass(obj) or callable(obj)):
            continue
        found.append(inspect.getdoc(obj) or "")
        if inspect.isclass(obj):
            for method_name, method in inspect.getmembers(obj, callable):
                if not method_name.startswith("_"):
                    found.append(inspect.getdoc(method) or "")
    # Inherited docstrings repeat; keep each text once.
    return sorted({text for text in found if len(text.split()) >= 8})


documents = [text for name in MODULES for text in docstrings(name)]
print(f"{len(documents)} docstrings from {len(MODULES)} modules")

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
coherence = topic_coherence(lda, counts, measure="npmi", top_n=n_words)
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
