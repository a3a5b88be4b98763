"""Suggest the handling unit of a complaint from its text, and flag likely duplicates.

- Segmentation: jieba 0.42.1 in its default (precise) mode; it ships its dictionary, so nothing is
  downloaded at run time. Single characters and punctuation are dropped (they carry little
  routing signal and inflate the vocabulary), but character bigrams of the raw text are added as
  features: complaint texts are short, name departments in many abbreviations (人社/社保/人力资源)
  and jieba sometimes cuts an unfamiliar name differently from one text to the next.
- Classifier: scikit-learn's TF-IDF (sublinear tf) + ``LinearSVC`` — the classical baseline for
  short-text topic classification, fast to train (seconds for 100,000 texts) and small to store.
  Scores are the SVM's decision values squashed to 0..1 with a softmax, so callers can show them
  as a ranking, not as calibrated probabilities.
- Duplicates: TF-IDF cosine similarity over the same features, fitted on the texts compared.
"""

from __future__ import annotations

import pickle
import re
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba  # type: ignore[import-untyped]  # ships no type information
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]  # ships no type information
from sklearn.metrics.pairwise import cosine_similarity  # type: ignore[import-untyped]  # ships no type information
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]  # ships no type information

# jieba logs its dictionary loading at INFO on first use; keep the worker's log clean.
jieba.setLogLevel(60)

#: What ``save`` writes; ``load`` refuses a file from another format version.
FORMAT = 1
_WORD = re.compile(r"[\w]", re.UNICODE)
_HAN_OR_ALNUM = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def tokenize(text: str) -> list[str]:
    """jieba words (2+ characters, or alphanumerics) plus character bigrams of each Han run."""
    text = (text or "").strip()
    words = [
        w
        for w in jieba.lcut(text)
        if _WORD.search(w) and (len(w) > 1 or (w.isascii() and w.isalnum()))
    ]
    bigrams = [run[i : i + 2] for run in _HAN_OR_ALNUM.findall(text) for i in range(len(run) - 1)]
    return words + ["_" + b for b in bigrams]


def prepare() -> None:
    """Load jieba's dictionary now (about half a second) rather than in the first request that
    segments a text; a web process calls this once at start."""
    jieba.initialize()


#: Texts whose tokens ``duplicates`` keeps: more than a routing page's candidate window.
TOKEN_CACHE_SIZE = 4096


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _cached_tokens(text: str) -> tuple[str, ...]:
    # The same earlier complaints are compared again on every routing page: segment each text
    # once per process. Interned tokens are shared across texts, which keeps the cache small.
    return tuple(sys.intern(token) for token in tokenize(text))


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        tokenizer=tokenize,
        lowercase=False,
        token_pattern=None,
        sublinear_tf=True,
        min_df=1,
    )


class RoutingModel:
    """A trained suggester: ``RoutingModel.train(pairs)`` then ``suggest(text)``."""

    def __init__(self, vectorizer: TfidfVectorizer, classifier: Any, labels: list[Any]):
        self.vectorizer = vectorizer
        self.classifier = classifier
        self.labels = labels  # unit ids, in the classifier's class order

    @classmethod
    def train(cls, pairs: Iterable[tuple[str, Any]]) -> RoutingModel:
        """Learn from past routing decisions: (complaint text, unit id) pairs.

        Needs at least two distinct units; empty texts are skipped.
        """
        texts, units = [], []
        for text, unit in pairs:
            if text and text.strip():
                texts.append(text)
                units.append(unit)
        if len(set(units)) < 2:
            raise ValueError("训练分办模型至少需要两个单位的历史分办记录")
        vectorizer = _vectorizer()
        matrix = vectorizer.fit_transform(texts)
        # Classes are indices into ``labels`` so any hashable unit id (int, str) works.
        labels = sorted(set(units), key=str)
        index = {u: i for i, u in enumerate(labels)}
        classifier = LinearSVC(C=1.0)
        classifier.fit(matrix, [index[u] for u in units])
        return cls(vectorizer, classifier, labels)

    def suggest(self, text: str, k: int = 3) -> list[tuple[Any, float]]:
        """The ``k`` most likely units for ``text``, best first, with a 0..1 score each."""
        if not text or not text.strip():
            return []
        scores = np.atleast_2d(self.classifier.decision_function(self.vectorizer.transform([text])))
        if scores.shape[1] == 1:  # two classes: one decision value for the second class
            scores = np.hstack([-scores, scores])
        row = scores[0]
        weights = np.exp(row - row.max())
        weights /= weights.sum()
        classes = self.classifier.classes_
        order = np.argsort(-row)[:k]
        return [(self.labels[int(classes[i])], round(float(weights[i]), 4)) for i in order]

    def save(self, path: str | Path) -> Path:
        """Write the model (a pickle) atomically: a reader never sees a half-written file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(
                {
                    "format": FORMAT,
                    "vectorizer": self.vectorizer,
                    "classifier": self.classifier,
                    "labels": self.labels,
                },
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> RoutingModel:
        """Read a model written by :meth:`save`. Only load files this installation wrote:
        pickle executes code from the file."""
        with Path(path).open("rb") as handle:
            data = pickle.load(handle)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("分办模型文件格式不符，请重新训练")
        return cls(data["vectorizer"], data["classifier"], data["labels"])


def duplicates(
    text: str, earlier: Sequence[tuple[Any, str]], threshold: float = 0.6
) -> list[tuple[Any, float]]:
    """Earlier complaints (id, text) whose TF-IDF cosine similarity to ``text`` is at least
    ``threshold``, most similar first. Pass a recent window (e.g. the last 90 days' complaints
    of the same unit), not the whole history: the vectoriser is fitted on what it is given."""
    candidates = [(i, t) for i, t in earlier if t and t.strip()]
    if not text or not text.strip() or not candidates:
        return []
    vectorizer = TfidfVectorizer(analyzer=_cached_tokens, sublinear_tf=True)
    matrix = vectorizer.fit_transform([text, *(t for _, t in candidates)])
    sims = cosine_similarity(matrix[0], matrix[1:])[0]
    found = [(candidates[i][0], round(float(s), 4)) for i, s in enumerate(sims) if s >= threshold]
    return sorted(found, key=lambda pair: -pair[1])
