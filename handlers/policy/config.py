"""The ``policy`` and ``training`` sections of the YAML, parsed into typed, frozen values.

A mistake in either section raises :class:`bot.config.ConfigError` naming the key
(``training.questions[2].answer: …``), so HR learns what to fix instead of meeting a
crash in the middle of someone's quiz.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.config import Config, ConfigError
from bot.i18n import DEFAULT, SUPPORTED

VERSION_MAX = 32  # storage.policy keeps versions in 32 characters


@dataclass(frozen=True)
class Localized:
    """One text in several languages; a missing language falls back to English."""

    texts: tuple[tuple[str, str], ...]

    def get(self, locale: str) -> str:
        found = dict(self.texts)
        return found.get(locale) or found.get(DEFAULT) or ""


@dataclass(frozen=True)
class Question:
    text: Localized
    choices: tuple[Localized, ...]
    answer: int  # counted from 0 here; the YAML counts from 1


@dataclass(frozen=True)
class Training:
    version: str
    pass_mark: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Policy:
    """``version`` is empty when the YAML has no policy; nothing is then required."""

    required: bool
    version: str
    text: Localized
    training: Training | None

    @property
    def exists(self) -> bool:
        return bool(self.version)


NO_POLICY = Policy(required=False, version="", text=Localized(()), training=None)


def policy_of(config: Config) -> Policy:
    return parse(config.raw)


def parse(raw: Mapping[str, Any]) -> Policy:
    section = raw.get("policy")
    training = _training(raw.get("training"))
    if section is None:
        return replace(NO_POLICY, training=training)
    _expect(isinstance(section, Mapping), "policy", "expected a mapping")
    required = section.get("required", False)
    _expect(isinstance(required, bool), "policy.required", "expected true or false")
    return Policy(
        required=required,
        version=_version(section.get("version"), "policy.version"),
        text=_localized(section.get("text"), "policy.text"),
        training=training,
    )


def _training(section: Any) -> Training | None:
    if section is None:
        return None
    _expect(isinstance(section, Mapping), "training", "expected a mapping")
    questions = section.get("questions") or []
    _expect(isinstance(questions, list), "training.questions", "expected a list")
    if not questions:
        return None
    parsed = tuple(
        _question(item, f"training.questions[{number}]")
        for number, item in enumerate(questions, start=1)
    )
    pass_mark = section.get("pass_mark", len(parsed))
    _expect(
        isinstance(pass_mark, int)
        and not isinstance(pass_mark, bool)
        and 1 <= pass_mark <= len(parsed),
        "training.pass_mark",
        f"expected a whole number of correct answers from 1 to {len(parsed)}",
    )
    return Training(
        version=_version(section.get("version"), "training.version"),
        pass_mark=pass_mark,
        questions=parsed,
    )


def _question(item: Any, key: str) -> Question:
    _expect(isinstance(item, Mapping), key, "expected a mapping with text, choices and answer")
    choices = item.get("choices")
    _expect(
        isinstance(choices, list) and len(choices) >= 2,
        f"{key}.choices",
        "expected a list of at least two choices",
    )
    answer = item.get("answer")
    _expect(
        isinstance(answer, int) and not isinstance(answer, bool) and 1 <= answer <= len(choices),
        f"{key}.answer",
        f"expected the number of the right choice, from 1 to {len(choices)}",
    )
    return Question(
        text=_localized(item.get("text"), f"{key}.text"),
        choices=tuple(
            _localized(choice, f"{key}.choices[{number}]")
            for number, choice in enumerate(choices, start=1)
        ),
        answer=answer - 1,
    )


def _localized(value: Any, key: str) -> Localized:
    _expect(isinstance(value, Mapping), key, f"expected a mapping of languages ({_langs()})")
    unknown = sorted(str(lang) for lang in value if lang not in SUPPORTED)
    _expect(not unknown, key, f"unknown language {', '.join(unknown)} (expected {_langs()})")
    _expect(
        all(isinstance(text, str) and text.strip() for text in value.values()),
        key,
        "every language needs a non-empty text",
    )
    _expect(DEFAULT in value, key, f"the {DEFAULT!r} text is required")
    return Localized(tuple((lang, value[lang].strip()) for lang in SUPPORTED if lang in value))


def _version(value: Any, key: str) -> str:
    ok = isinstance(value, str | int | date) and not isinstance(value, bool)
    text = str(value).strip() if ok else ""
    _expect(
        bool(text) and len(text) <= VERSION_MAX,
        key,
        f'expected a version such as "2026-1" (at most {VERSION_MAX} characters)',
    )
    return text


def _langs() -> str:
    return ", ".join(SUPPORTED)


def _expect(condition: bool, key: str, problem: str) -> None:
    if not condition:
        raise ConfigError(f"{key}: {problem}")
