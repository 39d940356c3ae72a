"""Compiled counts of words and word pairs in documents and sliding windows.

The coherence measures need, for the top words of the topics, how many *windows*
contain each word and each pair of words, and how many windows there are. A window
is either a whole document or, for the sliding-window measures, each run of
``window_size`` consecutive tokens of a document (a document shorter than the
window is one window), as in Röder, Both and Hinneburg (2015) and gensim.

The set of top words present changes only when a top word enters or leaves the
window, so the kernel counts runs of windows with the same set and adds each run
once: the cost grows with the top-word tokens, not with the windows times their
words.
"""

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _flush(members, n_members, weight, occurrences, co_occurrences):
    """Add ``weight`` windows holding the words ``members[:n_members]``."""
    for i in range(n_members):
        a = members[i]
        occurrences[a] += weight
        for j in range(i + 1, n_members):
            co_occurrences[a, members[j]] += weight


@njit(cache=True)
def _count_windows(ids, offsets, n_words, window_size, gensim_counting):
    n_windows = 0
    occurrences = np.zeros(n_words, dtype=np.int64)
    co_occurrences = np.zeros((n_words, n_words), dtype=np.int64)
    in_window = np.zeros(n_words, dtype=np.int64)  # tokens of each word in the window
    members = np.empty(n_words, dtype=np.int64)  # the words present, unordered
    slot = np.full(n_words, -1)  # position of each present word in members
    for d in range(offsets.shape[0] - 1):
        start, stop = offsets[d], offsets[d + 1]
        length = stop - start
        first_stop = start + min(length, window_size)
        n_members = 0
        for p in range(start, first_stop):
            word = ids[p]
            if word >= 0:
                if in_window[word] == 0:
                    slot[word] = n_members
                    members[n_members] = word
                    n_members += 1
                in_window[word] += 1
        weight = 1
        for p in range(first_stop, stop):
            leaving, entering = ids[p - window_size], ids[p]
            # gensim 4.4 drops the word that leaves the window even when another
            # of its tokens is still inside (WordOccurrenceAccumulator._slide_window).
            if leaving >= 0 and in_window[leaving] > 0:
                in_window[leaving] = 0 if gensim_counting else in_window[leaving] - 1
                if in_window[leaving] == 0:
                    _flush(members, n_members, weight, occurrences, co_occurrences)
                    weight = 0
                    n_members -= 1
                    moved = members[n_members]
                    members[slot[leaving]] = moved
                    slot[moved] = slot[leaving]
                    slot[leaving] = -1
            if entering >= 0:
                if in_window[entering] == 0:
                    _flush(members, n_members, weight, occurrences, co_occurrences)
                    weight = 0
                    slot[entering] = n_members
                    members[n_members] = entering
                    n_members += 1
                in_window[entering] = 1 if gensim_counting else in_window[entering] + 1
            weight += 1
        _flush(members, n_members, weight, occurrences, co_occurrences)
        n_windows += max(1, length - window_size + 1)
        for i in range(n_members):
            in_window[members[i]] = 0
            slot[members[i]] = -1
    return occurrences, co_occurrences + co_occurrences.T, n_windows


def window_counts(ids, offsets, n_words, window_size=None, *, gensim_counting=False):
    """Occurrences of words and word pairs in the windows of tokenised documents.

    Parameters
    ----------
    ids : ndarray of int64
        The tokens of all documents, one after another, as word indices in
        ``[0, n_words)``, or -1 for a token that is not counted (it still takes a
        place in the window).
    offsets : ndarray of int64 of shape (n_documents + 1,)
        Document ``d`` is ``ids[offsets[d]:offsets[d + 1]]``.
    n_words : int
        Number of counted words.
    window_size : int or None, default=None
        Tokens per sliding window; None makes each document one window.
    gensim_counting : bool, default=False
        Count as gensim 4.4's ``WordOccurrenceAccumulator`` does, which takes a
        word out of the window when one of its tokens leaves it, even if another
        token of the word is still inside.

    Returns
    -------
    occurrences : ndarray of int64 of shape (n_words,)
        Windows that contain each word.
    co_occurrences : ndarray of int64 of shape (n_words, n_words)
        Windows that contain both words (zero diagonal).
    n_windows : int
        Number of windows.
    """
    if window_size is None:
        window_size = max(1, int(np.max(np.diff(offsets), initial=1)))
    return _count_windows(
        np.ascontiguousarray(ids, dtype=np.int64),
        np.ascontiguousarray(offsets, dtype=np.int64),
        int(n_words),
        int(window_size),
        bool(gensim_counting),
    )
