"""Theme suggestions: groups of insights that say the same thing in other words.

Computed here, without any network service: each text is lower-cased, its Dutch (or English) stop
words dropped and its words reduced to their Snowball stem ("warmtenetten" -> "warmtenet"), then
described twice with TF-IDF: by its stems, and by the character 3-5-grams of those stems, which
let Dutch compounds meet their parts ("zonnepanelen" / "panelen").
The cosine similarities of the two, weighted, are grouped by average-linkage clustering that stops
at SIMILARITY: every pair in a group is, on average, at least that alike, so one shared word does
not chain unrelated insights together as connected components would.

The server computes them in a child process (`suggest_apart`): scikit-learn with SciPy and NumPy
take about 95 MB, which the server process would keep for good after its first suggestions, and
the clustering would hold its event loop meanwhile. The child imports this file alone (standard
library at the top, the rest inside the functions) and ends when it has answered.
Quality and speed on the labelled set of tests/data: docs/BENCHMARKS.md (bench/theme_suggestions.py).
"""

import json
import re
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from functools import cache

SIMILARITY = (
    0.23  # average similarity a group keeps: the labelled set scores alike from 0.23 to 0.25
)
WORD_WEIGHT = 0.4  # share of the stems in the similarity; the rest is the character n-grams
MAX_GROUP = 12  # a bigger group is rarely one thought; it is cut back to its most central members
LABEL_WORDS = 3
CHILD_TIMEOUT = 60  # seconds; 1,000 insights take about 1.2 s, start-up included
# At most two children at once per server process: each holds about 100 MB while it runs.
children = threading.BoundedSemaphore(2)
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Group:
    insight_ids: list[int]
    label: str


@cache
def stemmer(language: str):
    import snowballstemmer

    return snowballstemmer.stemmer("dutch" if language == "nl" else "english")


@cache
def stop_words(language: str) -> frozenset[str]:
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords(language))


def words(text: str, language: str) -> list[str]:
    """The text's words, lower-cased, without stop words."""
    stop = stop_words(language)
    return [w for w in WORD.findall(text.lower()) if w not in stop and len(w) > 1]


def stems(text: str, language: str) -> list[str]:
    return stemmer(language).stemWords(words(text, language))


def similarity_matrix(texts: list[str], language: str):
    """Pairwise similarity of the texts (a dense NumPy array, 1 on the diagonal)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    stemmed = [" ".join(stems(text, language)) for text in texts]
    by_stem = TfidfVectorizer(analyzer=str.split, sublinear_tf=True).fit_transform(stemmed)
    by_ngram = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True
    ).fit_transform(stemmed)
    combined = WORD_WEIGHT * (by_stem @ by_stem.T) + (1 - WORD_WEIGHT) * (by_ngram @ by_ngram.T)
    return combined.toarray()


def clusters(similarity, threshold: float = SIMILARITY) -> list[list[int]]:
    """Indices grouped by average linkage; groups of two or more, biggest first."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    count = similarity.shape[0]
    if count < 2:
        return []
    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        members.setdefault(int(label), []).append(index)
    groups = []
    for group in members.values():
        if len(group) < 2:
            continue
        if len(group) > MAX_GROUP:
            centrality = similarity[np.ix_(group, group)].mean(axis=1)
            group = [group[i] for i in np.argsort(-centrality)[:MAX_GROUP]]
        groups.append(sorted(group))
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def label(texts: list[str], language: str) -> str:
    """A name for a group: its most shared words, as people wrote them ("Warmtenet, kosten")."""
    spelled: dict[str, Counter] = {}
    shared = Counter()
    for text in texts:
        seen = set()
        for word in words(text, language):
            stem = stemmer(language).stemWord(word)
            spelled.setdefault(stem, Counter())[word] += 1
            if stem not in seen:
                shared[stem] += 1
                seen.add(stem)
    ranked = sorted(shared, key=lambda s: (-shared[s], -len(s), s))[:LABEL_WORDS]
    chosen = [spelled[stem].most_common(1)[0][0] for stem in ranked]
    text = ", ".join(chosen)
    return text[:1].upper() + text[1:] if text else ""


def suggest(items: list[tuple[int, str]], language: str = "nl") -> list[Group]:
    """Groups of (id, text) items that say the same; each group with a label to name a theme."""
    # Only stop words, digits or emoji: nothing to compare by (TF-IDF refuses an empty vocabulary).
    items = [(insight_id, text) for insight_id, text in items if words(text, language)]
    if len(items) < 2:
        return []
    texts = [text for _, text in items]
    found = clusters(similarity_matrix(texts, language))
    return [
        Group([items[i][0] for i in group], label([texts[i] for i in group], language))
        for group in found
    ]


def suggest_apart(items: list[tuple[int, str]], language: str = "nl") -> list[Group]:
    """`suggest` in a child process, so the server process never loads scikit-learn.

    Under gevent, `subprocess` is cooperative: the server keeps serving while the child works.
    `-P` keeps this file's folder off the child's import path (its modules would shadow others).
    """
    if len(items) < 2:
        return []
    with children:
        done = subprocess.run(
            [sys.executable, "-P", "-E", __file__],
            input=json.dumps({"items": items, "language": language}),
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=True,
        )
    return [Group(**group) for group in json.loads(done.stdout)["groups"]]


if __name__ == "__main__":  # the child of suggest_apart: JSON in on stdin, JSON out on stdout
    request = json.load(sys.stdin)
    found = suggest([tuple(item) for item in request["items"]], request["language"])
    json.dump({"groups": [asdict(group) for group in found]}, sys.stdout)
