"""The role × command matrix over everything the shipped router registers.

Every command, action and form is tried by a stranger and by a holder of each single role.
Whoever may not use it gets exactly one refusal and the store is left as it was.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.compose import build_router
from bot.events import Action, Actor, Command, Conversation, FormSubmit
from bot.roles import BASE_ROLES, allows, is_valid_role, normalize_roles
from bot.turn import Bot
from storage.engine import session_scope
from storage.tables import metadata
from tests.support.recorder import Recorder

PERSONAS = {"stranger": None, **{role: (role,) for role in BASE_ROLES}, "pilot": ("group:pilot",)}
REFUSALS = ("not in the Elçi directory yet", "Only people with the")


def test_role_names() -> None:
    assert all(is_valid_role(role) for role in BASE_ROLES)
    assert is_valid_role("group:pilot") and is_valid_role("group:wave-2")
    assert (
        not is_valid_role("admin")
        and not is_valid_role("group:")
        and not is_valid_role("group:Bad Name")
    )
    assert normalize_roles([" HR", "hr", "group:pilot"]) == ["employee", "group:pilot", "hr"]


def test_no_role_implies_another() -> None:
    assert allows(("hr",), "hr")
    assert allows((), None)
    assert not allows(("hr",), "reviewer")
    assert not allows(("employee",), "hr")


def snapshot(engine) -> dict[str, list]:
    """Every table but the accounts, which record who knocked, whatever they may do."""
    with session_scope(engine) as db:
        return {
            table.name: sorted(map(repr, db.execute(select(table)).all()))
            for table in metadata.sorted_tables
            if table.name not in ("platformaccount",)
        }


def routes():
    router = build_router()
    for spec in router.commands.values():
        yield pytest.param("command", spec.verb, spec.role, id=f"command:{spec.verb}")
    for spec in router.actions.values():
        yield pytest.param("action", spec.action_id, spec.role, id=f"action:{spec.action_id}")
    for spec in router.forms.values():
        yield pytest.param("form", spec.form_id, spec.role, id=f"form:{spec.form_id}")


def event_for(kind: str, name: str, actor: Actor):
    conversation = Conversation("console:x", "direct")
    if kind == "command":
        return Command(actor, conversation, name)
    if kind == "action":
        return Action(actor, conversation, name)
    return FormSubmit(actor, conversation, name)


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize(("kind", "name", "role"), list(routes()))
async def test_matrix(kind, name, role, persona, make_services, add_person, engine) -> None:
    roles = PERSONAS[persona]
    email = f"{persona}@example.com"
    if roles is not None:
        add_person(email, roles=roles)
    actor = Actor("console", email, email=email)
    before = snapshot(engine)
    recorder = Recorder()
    answer = await Bot(make_services()).handle(event_for(kind, name, actor), recorder)
    texts = [getattr(reply, "text", "") for reply in recorder.sent]
    refused = any(marker in text for text in texts for marker in REFUSALS)
    if allows(roles or (), role):
        assert not refused, texts
    else:
        assert refused and len(recorder.sent) == 1 and answer is None
        assert snapshot(engine) == before
