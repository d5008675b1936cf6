"""Keys the deployment needs but nobody should have to configure: generated once, stored
in the database, so every process of the deployment shares them."""

from __future__ import annotations

import secrets

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel


class StoredKey(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)


def stored_key(engine: Engine, name: str) -> str:
    """The key called ``name``; the first caller anywhere creates it."""
    with Session(engine) as session:
        found = session.get(StoredKey, name)
        if found:
            return found.value
        session.add(StoredKey(name=name, value=secrets.token_hex(32)))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
        found = session.get(StoredKey, name)
        assert found is not None
        return found.value
