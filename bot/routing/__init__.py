"""Routing employees' requests to departments: the vocabulary from the YAML and the
classifier learned from it. In the core (not in ``handlers``) because ``elci route`` uses
it too; the ``handlers.routing`` feature builds the conversation around it.

scikit-learn is imported only when a classifier is built, so commands that never route
do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Config
from bot.routing.vocabulary import Desk, Vocabulary, vocabulary_of

if TYPE_CHECKING:
    from bot.routing.classifier import Classifier
    from bot.services import Services

__all__ = ["Desk", "Vocabulary", "build_classifier", "classifier_for", "vocabulary_of"]
CACHE_KEY = "routing.classifier"


def build_classifier(config: Config) -> Classifier:
    from bot.routing.classifier import Classifier

    return Classifier(vocabulary_of(config))


def classifier_for(services: Services) -> Classifier:
    """The process's classifier, fitted on first use and kept on the services."""
    classifier = services.cache.get(CACHE_KEY)
    if classifier is None:
        classifier = services.cache[CACHE_KEY] = build_classifier(services.settings.config)
    return classifier  # type: ignore[no-any-return]
