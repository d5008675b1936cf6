"""Refusals a person reads (a bad audience selector, a bad content field) keep their own
words even when raised inside a unit of work."""

from __future__ import annotations

import pytest

from bot.audience import SelectorError
from bot.content import ContentError
from storage.engine import session_scope


@pytest.mark.parametrize(
    "refusal",
    [
        SelectorError("N", "use all, department:KEY"),
        ContentError("url", "must start with {x}", {"x": "https://"}),
    ],
)
def test_a_refusal_raised_in_a_unit_of_work_arrives_as_itself(engine, refusal) -> None:
    with pytest.raises(type(refusal)) as raised, session_scope(engine):
        raise refusal
    assert str(raised.value) == str(refusal)
    assert raised.value.__traceback__ is not None
