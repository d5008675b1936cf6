"""The directory tables keep what the core relies on, on every store."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.engine import session_scope
from storage.people import Person, PlatformAccount, account_for, accounts_of, person_by_email


def add(engine: Engine, *rows: Person | PlatformAccount) -> None:
    with session_scope(engine) as session:
        session.add_all(rows)


def test_person_and_accounts_round_trip(engine: Engine) -> None:
    add(engine, Person(email="ayse@example.com", name="Ayşe Yılmaz", department="marketing",
                       locale="tr", timezone="Europe/Istanbul", roles=["employee", "leader"]))
    with Session(engine) as session:
        person = person_by_email(session, "  Ayse@Example.COM ")
        assert person is not None and person.id is not None
        assert (person.name, person.department, person.roles) == (
            "Ayşe Yılmaz", "marketing", ["employee", "leader"])
        person_id = person.id
    ref = {"conversation": {"id": "a:1"}, "serviceUrl": "https://smba.example/", "n": [1, 2]}
    add(engine,
        PlatformAccount(platform="slack", tenant="T1", user_id="U1", person_id=person_id),
        PlatformAccount(platform="teams", tenant="t-guid", user_id="29:x", person_id=person_id,
                        conversation_ref=ref))
    with Session(engine) as session:
        slack = account_for(session, "slack", "T1", "U1")
        assert slack is not None and slack.person_id == person_id
        assert account_for(session, "slack", "T2", "U1") is None
        teams = account_for(session, "teams", "t-guid", "29:x")
        assert teams is not None and teams.conversation_ref == ref
        assert {a.platform for a in accounts_of(session, person_id)} == {"slack", "teams"}


def test_timestamps_come_back(engine: Engine) -> None:
    add(engine, Person(email="a@example.com", name="A"))
    with Session(engine) as session:
        person = person_by_email(session, "a@example.com")
        assert person is not None
        assert person.created_at is not None and person.updated_at >= person.created_at


def test_email_is_unique(engine: Engine) -> None:
    add(engine, Person(email="a@example.com", name="A"))
    with pytest.raises(IntegrityError):
        add(engine, Person(email="a@example.com", name="Another A"))


def test_account_is_unique_per_platform_tenant_and_user(engine: Engine) -> None:
    add(engine, PlatformAccount(platform="slack", tenant="T1", user_id="U1"))
    add(engine,
        PlatformAccount(platform="slack", tenant="T2", user_id="U1"),
        PlatformAccount(platform="teams", tenant="T1", user_id="U1"))
    with pytest.raises(IntegrityError):
        add(engine, PlatformAccount(platform="slack", tenant="T1", user_id="U1"))


def test_account_needs_a_real_person(engine: Engine) -> None:
    with pytest.raises(IntegrityError):
        add(engine, PlatformAccount(platform="slack", tenant="T1", user_id="U1", person_id=999))


def test_roles_are_a_json_list(engine: Engine) -> None:
    roles = ["employee", "group:pilot-2025", "hr", "reviewer"]
    add(engine, Person(email="hr@example.com", name="HR", roles=roles),
        Person(email="new@example.com", name="New"))
    with session_scope(engine) as session:
        hr = person_by_email(session, "hr@example.com")
        assert hr is not None and hr.roles == roles
        hr.roles = [*hr.roles, "leader"]
        new = person_by_email(session, "new@example.com")
        assert new is not None and new.roles == []
    with Session(engine) as session:
        hr = person_by_email(session, "hr@example.com")
        assert hr is not None and hr.roles == [*roles, "leader"]
