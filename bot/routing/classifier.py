"""Which department a request is for, learned at start-up from the departments' vocabulary.

Features are TF-IDF weighted character n-grams within words (scikit-learn's ``char_wb``)
of the normalized text, so ``faturamı`` and ``faturanın`` share most of their features
with ``fatura``, and a typo costs a few n-grams instead of the whole word. A linear SVM
(one per department, plus one for small talk) scores the text; the scores become a
confidence by a softmax. Two guards keep the router from routing what it does not know:

- a text whose letter sequences the vocabulary has mostly never seen (``asdfgh``) is
  *nonsense*;
- a text whose best department is not clearly ahead is *unsure*: the person chooses.

Fitting takes a few tens of milliseconds on the shipped vocabulary; build one classifier
per process (see :func:`bot.routing.classifier_for`) and reuse it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.routing.normalize import content, words
from bot.routing.stopwords import ALL as STOPWORDS
from bot.routing.vocabulary import Vocabulary

SMALL_TALK = "__small_talk__"
TEMPERATURE = 0.15  # softmax over SVM margins; lower is more decisive
Verdict = Literal["routed", "unsure", "small_talk", "nonsense"]


@dataclass(frozen=True)
class Routing:
    """The router's answer for one text.

    ``department`` is set only when ``verdict`` is ``routed``. ``ranking`` lists the
    likeliest departments with their confidence, best first (small talk left out);
    ``terms`` are the words of the request that pointed most to the best department.
    """

    verdict: Verdict
    department: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    terms: tuple[str, ...] = ()


class Classifier:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        docs, labels = _training_set(vocabulary)
        self.labels = sorted(set(labels))
        self.trained = bool(docs) and len(self.labels) >= 2
        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
        )
        if not self.trained:
            return
        self.examples = self.vectorizer.fit_transform(docs)
        self.model = LinearSVC(C=1.0).fit(self.examples, labels)
        self._analyze = self.vectorizer.build_analyzer()
        self._known = self.vectorizer.vocabulary_
        self.classes = [str(label) for label in self.model.classes_]

    def classify(self, text: str) -> Routing:
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[Routing]:
        if not self.trained:
            return [Routing("unsure", None, 0.0, ()) for _ in texts]
        normalized = [content(text) for text in texts]
        confidence = _softmax(self._scores(normalized) / TEMPERATURE)
        typed = [_topical_words(text) for text in texts]
        words = _WordScores(self, sorted({word for found in typed for word in found}))
        return [
            self._verdict(norm, row, self._coverage(norm), found, words)
            for norm, row, found in zip(normalized, confidence, typed, strict=True)
        ]

    def terms(self, text: str, department: str, limit: int = 3) -> tuple[str, ...]:
        """The words of ``text`` that point most to ``department``, in text order."""
        if not self.trained or department not in self.classes:
            return ()
        found = _topical_words(text)
        return _WordScores(self, list(found)).terms(found, department, limit)

    def _scores(self, normalized: Sequence[str]) -> np.ndarray:
        scores = np.atleast_2d(self.model.decision_function(self.vectorizer.transform(normalized)))
        if scores.shape[1] == 1:  # two classes: one column of margins
            scores = np.hstack([-scores, scores])
        return scores

    def _coverage(self, normalized: str) -> float:
        """The share of the text's n-grams the vocabulary has seen: near 0 for gibberish."""
        grams = set(self._analyze(normalized))
        if not grams:
            return 0.0
        return sum(gram in self._known for gram in grams) / len(grams)

    def _verdict(
        self,
        normalized: str,
        confidence: np.ndarray,
        coverage: float,
        found: dict[str, str],
        words: _WordScores,
    ) -> Routing:
        order = np.argsort(-confidence)
        ranking = tuple(
            (self.classes[i], round(float(confidence[i]), 3))
            for i in order
            if self.classes[i] != SMALL_TALK
        )[:3]
        best = self.classes[order[0]]
        top = round(float(confidence[order[0]]), 3)
        if not normalized:  # nothing but greetings and little words
            return Routing("small_talk", None, top, ranking)
        if coverage < self.vocabulary.min_coverage:
            return Routing("nonsense", None, top, ranking)
        if best == SMALL_TALK:
            return Routing("small_talk", None, top, ranking)
        terms = words.terms(found, best)
        if top < self.vocabulary.threshold or not terms:  # no word of it points there
            return Routing("unsure", None, top, ranking, terms)
        return Routing("routed", best, top, ranking, terms)


class _WordScores:
    """Each word alone scored by every department's model, all words in one call: a
    word's lead for a department is its margin there over its best other department."""

    def __init__(self, classifier: Classifier, normalized: list[str]) -> None:
        self.classes = classifier.classes
        self.index = {word: i for i, word in enumerate(normalized)}
        self.scores = classifier._scores(normalized) if normalized else np.zeros((0, 0))

    def terms(self, found: dict[str, str], department: str, limit: int = 3) -> tuple[str, ...]:
        if not found:
            return ()
        column = self.classes.index(department)
        rows = self.scores[[self.index[word] for word in found]]
        lead = rows[:, column] - np.delete(rows, column, axis=1).max(axis=1)
        best = sorted(range(len(found)), key=lambda i: -lead[i])[:limit]
        typed = list(found.values())
        return tuple(typed[i] for i in sorted(best) if lead[i] > 0)


def _topical_words(text: str) -> dict[str, str]:
    """Normalized word → the word as typed, for the words that may name a topic."""
    found: dict[str, str] = {}
    for typed, norm in words(text):
        if len(norm) > 2 and norm not in STOPWORDS:
            found.setdefault(norm, typed)
    return found


def _training_set(vocabulary: Vocabulary) -> tuple[list[str], list[str]]:
    docs: list[str] = []
    labels: list[str] = []
    for desk in vocabulary.desks:
        phrases = [name for _, name in desk.names] + list(desk.keywords) + list(desk.examples)
        for phrase in phrases:
            docs.append(content(phrase))
            labels.append(desk.key)
    for phrase in vocabulary.small_talk:
        docs.append(content(phrase))
        labels.append(SMALL_TALK)
    return docs, labels


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result
