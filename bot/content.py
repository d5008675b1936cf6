"""The content library's rules, shared by HR's chat commands and ``elci content``.

A URL is accepted only if it is http(s), names a host, carries no user-info (the
``https://trusted.com@evil.com`` trick) and, when an allow-list is configured, its host is
on it. Anything else is refused before a row is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from slugify import slugify
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot import audience
from bot.config import Config
from bot.i18n import N_, Translator
from storage.content import ContentItem
from storage.engine import session_scope

NETWORKS = ("linkedin", "x", "facebook")
ANY_NETWORK = "any"
MAX_URL = 2000


@dataclass  # not frozen: raising sets __traceback__ (contextlib does, from a with)
class ContentError(ValueError):
    """A refusal tied to one field; ``message`` is a message id for the reader's language."""

    name: str
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name}: {self.message.format(**self.params)}"

    def localized(self, tr: Translator) -> str:
        return tr.t(self.message, **self.params)


@dataclass(frozen=True)
class NewItem:
    title: str
    url: str
    summary: str = ""
    image_url: str | None = None
    language: str = "en"
    tags: Sequence[str] = ()
    audience: Sequence[str] = ()
    captions: dict[str, list[str]] = field(default_factory=dict)
    publish_at: datetime | None = None
    expires_at: datetime | None = None
    leader: bool = False


def allowed_domains(config: Config) -> tuple[str, ...]:
    section: dict[str, Any] = config.raw.get("content") or {}
    return tuple(str(domain).lower().strip(".") for domain in section.get("allowed_domains") or ())


def check_url(url: str, domains: Iterable[str], name: str = "url") -> str:
    url = url.strip()
    if not url or len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ContentError(name, N_("Give a web address starting with http:// or https://."))
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ContentError(name, N_("Give a web address starting with http:// or https://."))
    if "@" in parts.netloc:
        raise ContentError(name, N_("Web addresses with a user name in them are not accepted."))
    host = parts.hostname.lower().rstrip(".")
    domains = tuple(domains)
    if domains and not any(host == d or host.endswith("." + d) for d in domains):
        raise ContentError(
            name,
            N_("{host} is not on the list of allowed sites: {domains}."),
            {"host": host, "domains": ", ".join(domains)},
        )
    return url


def add_item(
    engine: Engine, config: Config, new: NewItem, created_by: int | None = None
) -> ContentItem:
    """Validate everything, then store; on a bad field raise ``ContentError``, storing nothing."""
    title = new.title.strip()
    if not title:
        raise ContentError("title", N_("This field is required."))
    domains = allowed_domains(config)
    url = check_url(new.url, domains)
    image = check_url(new.image_url, (), "image_url") if new.image_url else None
    if new.language not in ("tr", "en"):
        raise ContentError("language", N_("Choose one of the offered options."))
    if new.publish_at and new.expires_at and new.expires_at <= new.publish_at:
        raise ContentError("expires_at", N_("The expiry must come after the publication."))
    try:
        selectors = audience.parse(new.audience, (d.key for d in config.departments))
    except audience.SelectorError as exc:
        raise ContentError("audience", exc.reason, {**exc.params}) from exc
    item = ContentItem(
        title=title[:300],
        url=url,
        slug=slugify(title, max_length=100) or "item",
        summary=new.summary.strip(),
        image_url=image,
        language=new.language,
        tags=sorted({tag.strip().lower() for tag in new.tags if tag.strip()}),
        audience=selectors,
        captions=_clean_captions(new.captions),
        publish_at=new.publish_at,
        expires_at=new.expires_at,
        leader=new.leader,
        created_by=created_by,
    )
    with session_scope(engine) as session:
        session.add(item)
        session.flush()
        return item


def _clean_captions(captions: dict[str, list[str]]) -> dict[str, list[str]]:
    cleaned = {}
    for network, texts in captions.items():
        if network not in (*NETWORKS, ANY_NETWORK):
            raise ContentError("captions", N_("Captions are for linkedin, x, facebook or any."))
        kept = [text.strip() for text in texts if text.strip()]
        if kept:
            cleaned[network] = kept
    return cleaned


def list_items(engine: Engine, include_archived: bool = False) -> list[ContentItem]:
    query = select(ContentItem).order_by(col(ContentItem.id).desc())
    if not include_archived:
        query = query.where(col(ContentItem.archived).is_(False))
    with session_scope(engine) as session:
        return list(session.exec(query).all())


def archive(engine: Engine, item_id: int) -> ContentItem | None:
    with session_scope(engine) as session:
        item = session.get(ContentItem, item_id)
        if item is not None and not item.archived:
            item.archived = True
            session.add(item)
        return item
