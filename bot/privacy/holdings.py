"""Everything Elçi holds about a person, table by table, and what erasure does to each.

Erasure keeps the anonymous aggregates and cuts the link to the person: the directory row
becomes a tombstone (same id, no name, email, roles, accounts or anything that says who
it was; only the department stays, for department totals, which hide groups under 5),
free text the person wrote or that was written about their drafts and requests is
blanked, and what identifies or reaches them (platform accounts, dashboard sign-ins,
"not for me" choices) is deleted. Counting rows (share intents, clicks, points, campaign
deliveries, acknowledgements) stay on the tombstone, so every total stays right.

A test compares :data:`HOLDINGS` with the foreign keys to ``person`` in the metadata, so a
new table that references a person cannot ship without an answer here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Table, delete, false, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from bot.privacy.mentions import forget_manager, managed_by, rewrite_selectors, selectors_naming
from storage.engine import session_scope
from storage.people import Person, person_by_email, utcnow
from storage.tables import metadata

Erase = Literal["delete", "scrub", "keep"]
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real address


@dataclass(frozen=True)
class Holding:
    """One table's rows about a person.

    ``owner``: columns naming the person whose rows these are (erasure acts on them);
    ``mention``: columns that only point at the person (exported, kept on the tombstone);
    ``through``: ``(column, parent table)`` pairs reaching rows of the person's own parent
    rows, such as the versions of their drafts (erasure acts on them too);
    ``email``: columns holding the person's email, for rows not linked to them yet.
    """

    table: str
    owner: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    mention: tuple[str, ...] = ()
    through: tuple[tuple[str, str], ...] = ()
    erase: Erase = "keep"
    scrub: Mapping[str, Any] = field(default_factory=dict)


HOLDINGS: tuple[Holding, ...] = (
    Holding("platformaccount", owner=("person_id",), email=("email",), erase="delete"),
    Holding("dismissal", owner=("person_id",), erase="delete"),
    Holding("signinlink", owner=("person_id",), erase="delete"),
    Holding("dashboardsession", owner=("person_id",), erase="delete"),
    # Kept: the codes in published posts keep redirecting, and every count stays right.
    Holding("sharelink", owner=("person_id",)),
    Holding("shareintent", owner=("person_id",)),
    Holding("click", owner=("person_id",)),
    Holding("clicktally", owner=("person_id",)),
    Holding("pointentry", owner=("person_id",)),
    Holding("policyacknowledgement", owner=("person_id",)),
    Holding("trainingresult", owner=("person_id",)),
    Holding("delivery", owner=("person_id",), erase="scrub", scrub={"error": None}),
    Holding("campaign", mention=("created_by",)),
    Holding("contentitem", mention=("created_by",)),
    Holding("draft", owner=("author_id",)),
    Holding(
        "draftversion",
        through=(("draft_id", "draft"),),
        erase="scrub",
        scrub={"title": "", "body": "", "link": "", "tags": [], "findings": None},
    ),
    Holding(
        "review",
        owner=("reviewer_id",),
        mention=("escalated_to",),
        through=(("draft_id", "draft"),),
        erase="scrub",
        scrub={"comment": "", "delivery_error": None},
    ),
    Holding(
        "draftevent",
        owner=("actor_id",),
        through=(("draft_id", "draft"),),
        erase="scrub",
        scrub={"note": "", "data": {}},
    ),
    Holding("draftsharenotice", through=(("draft_id", "draft"),)),
    Holding(
        "supportrequest",
        owner=("requester_id",),
        mention=("assignee_id",),
        erase="scrub",
        scrub={"text": "", "terms": [], "suggestions": []},
    ),
    Holding(
        "requestreply",
        owner=("author_id",),
        through=(("request_id", "supportrequest"),),
        erase="scrub",
        scrub={"text": ""},
    ),
)


class UnknownPerson(LookupError):
    pass


class Uncovered(RuntimeError):
    """A table references a person but :data:`HOLDINGS` says nothing about it."""


def person_references() -> set[tuple[str, str]]:
    """``(table, column)`` for every foreign key to ``person.id`` in the metadata."""
    return {
        (table.name, fk.parent.name)
        for table in metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "person"
    }


def covered() -> set[tuple[str, str]]:
    return {
        (holding.table, column)
        for holding in HOLDINGS
        for column in (*holding.owner, *holding.mention)
    }


def check_coverage() -> None:
    missing = person_references() - covered()
    if missing:
        names = ", ".join(f"{table}.{column}" for table, column in sorted(missing))
        raise Uncovered(f"not covered by bot.privacy.holdings: {names}")


@dataclass(frozen=True)
class Erasure:
    person_id: int
    # table → (what was done, rows)
    done: dict[str, tuple[str, int]]


def export(engine: Engine, email: str) -> dict[str, Any]:
    """Every row held about the person at ``email``, as JSON-ready data."""
    check_coverage()
    with session_scope(engine) as session:
        person = _person(session, email)
        connection = session.connection()
        rows = {"person": [_jsonable(person.model_dump())]}
        who = _Who(person.id or 0, person.email)
        parents = _parents(connection, who)
        for holding in HOLDINGS:
            table = metadata.tables[holding.table]
            found = _matching(table, holding, who, parents, mentions=True)
            rows[holding.table] = [
                _jsonable(dict(row._mapping))
                for row in connection.execute(
                    select(table).where(found).order_by(*table.primary_key)
                )
            ]
        rows["person_managed"] = [
            {"email": managed} for managed in managed_by(connection, person.email)
        ]
        rows["audience_selectors"] = [
            asdict(mention) for mention, _ in selectors_naming(connection, person.email)
        ]
    return {"exported_at": utcnow().isoformat(), "email": person.email, "tables": rows}


def erase(engine: Engine, email: str) -> Erasure:
    """Delete or anonymise everything held about the person at ``email``, in one
    transaction: a failure half-way erases nothing."""
    check_coverage()
    with session_scope(engine) as session:
        person = _person(session, email)
        assert person.id is not None
        connection = session.connection()
        who = _Who(person.id, person.email)
        parents = _parents(connection, who)
        done: dict[str, tuple[str, int]] = {}
        for holding in HOLDINGS:
            table = metadata.tables[holding.table]
            own = _matching(table, holding, who, parents, mentions=False)
            done[holding.table] = (holding.erase, _apply(connection, table, holding, own))
        done["person.manager_email"] = ("clear", forget_manager(connection, person.email))
        tombstone = tombstone_email(person.id)
        rewritten = rewrite_selectors(connection, person.email, tombstone)
        done["audience selectors"] = ("rewrite", rewritten)
        _tombstone(person)
        session.add(person)
        done["person"] = ("anonymise", 1)
        return Erasure(person.id, done)


def counts(connection: Connection, person_id: int, email: str) -> dict[str, int]:
    """How many rows of each table are the person's own (what ``privacy`` shows them)."""
    who = _Who(person_id, email)
    parents = _parents(connection, who)
    found = {}
    for holding in HOLDINGS:
        table = metadata.tables[holding.table]
        own = _matching(table, holding, who, parents, mentions=False)
        found[holding.table] = _count(connection, table, own)
    return found


def tombstone_email(person_id: int) -> str:
    return f"erased-{person_id}@{ERASED_DOMAIN}"


def is_erased(person: Person) -> bool:
    return person.erased_at is not None


def _person(session: Session, email: str) -> Person:
    person = person_by_email(session, email)
    if person is None or person.id is None or is_erased(person):
        raise UnknownPerson(email.strip())
    return person


@dataclass(frozen=True)
class _Who:
    person_id: int
    email: str


def _parents(connection: Connection, who: _Who) -> dict[str, list[Any]]:
    """The ids of the person's own rows in every table a holding reaches through."""
    wanted = {parent for holding in HOLDINGS for _, parent in holding.through}
    by_table = {holding.table: holding for holding in HOLDINGS}
    found = {}
    for name in wanted:
        table = metadata.tables[name]
        condition = _matching(table, by_table[name], who, {}, mentions=False)
        found[name] = list(connection.execute(select(table.c.id).where(condition)).scalars())
    return found


def _matching(
    table: Table,
    holding: Holding,
    who: _Who,
    parents: dict[str, list[Any]],
    mentions: bool,
) -> ColumnElement[bool]:
    columns = (*holding.owner, *holding.mention) if mentions else holding.owner
    conditions: list[ColumnElement[bool]] = [table.c[name] == who.person_id for name in columns]
    conditions += [table.c[name] == who.email for name in holding.email]
    conditions += [
        table.c[name].in_(parents[parent])
        for name, parent in holding.through
        if parents.get(parent)
    ]
    return or_(false(), *conditions)


def _apply(connection: Connection, table: Table, holding: Holding, own: ColumnElement[bool]) -> int:
    if holding.erase == "delete":
        statement: Any = delete(table).where(own)
    elif holding.erase == "scrub":
        statement = update(table).where(own).values(dict(holding.scrub))
    else:
        return _count(connection, table, own)
    return connection.execute(statement).rowcount or 0


def _count(connection: Connection, table: Table, where: ColumnElement[bool]) -> int:
    return connection.execute(select(func.count()).select_from(table).where(where)).scalar_one()


def _tombstone(person: Person) -> None:
    """The directory row keeps its id (every kept row points at it) and its department
    (department totals), and nothing else that says who it was."""
    now = utcnow()
    person.email = tombstone_email(person.id or 0)
    person.name = ""
    for attribute in (
        "location", "title", "locale", "timezone", "manager_email", "slack_user_id",
        "lang_override",
    ):  # fmt: skip
        setattr(person, attribute, None)
    person.roles = []
    person.leaderboard_hidden = True
    person.updated_at = now
    person.erased_at = now


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime | date) else value
        for key, value in row.items()
    }
