"""A draft as its author, its reviewers and a department lead see it.

Everything here takes a :class:`bot.i18n.Translator`, not a turn, so the same cards are
sent in a turn, proactively, and by the scheduler, each in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.i18n import N_, Translator
from bot.lint import Finding
from bot.replies import Button, Card, Fact, LinkButton
from handlers.drafts.form import NETWORK_LABELS
from handlers.drafts.times import shown
from storage.drafts import (
    ACCEPTED,
    CHANGES,
    CLOSED,
    DECLINED,
    EDITABLE,
    HELD,
    PENDING,
    Draft,
    DraftEvent,
    DraftVersion,
    Review,
)
from storage.people import Person

EDIT = "drafts.edit"
RECHECK = "drafts.recheck"
APPROVE = "review.approve"
REQUEST_CHANGES = "review.changes"
REJECT = "review.reject"
QUOTE_MAX = 80

STATUS = {
    "checking": N_("received, being checked"),
    "held": N_("saved, waiting for you to finish the policy steps"),
    "blocked": N_("blocked: fix what is marked ⛔, then edit it"),
    "in_review": N_("in review"),
    "changes_requested": N_("changes requested"),
    "approved": N_("approved, being published"),
    "scheduled": N_("approved, to be published"),
    "published": N_("published"),
    "rejected": N_("not accepted"),
}
REVIEW_STATE = {
    ACCEPTED: N_("approved"),
    CHANGES: N_("asked for changes"),
    DECLINED: N_("rejected"),
    CLOSED: N_("closed"),
}
EVENTS = {
    "submitted": N_("submitted"),
    "edited": N_("new version"),
    "blocked": N_("held back by the policy check"),
    "in_review": N_("sent to review"),
    "approved_part": N_("{who} approved it"),
    "changes_requested": N_("{who} asked for changes"),
    "rejected": N_("{who} rejected it"),
    "scheduled": N_("approved; publication scheduled"),
    "published": N_("published"),
}
People = Mapping[int, Person]


def department_label(tr: Translator, departments: Mapping[str, Mapping[str, str]], key: str) -> str:
    names = departments.get(key) or {}
    return names.get(tr.locale) or names.get("en") or key


def name_of(people: People, person_id: int | None) -> str:
    person = people.get(person_id) if person_id is not None else None
    return person.name if person else "?"


def quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_MAX else flat[: QUOTE_MAX - 1] + "…"


def event_text(
    tr: Translator,
    event: DraftEvent,
    people: People,
    departments: Mapping[str, Mapping[str, str]],
) -> str:
    department = department_label(tr, departments, event.department or "")
    who = f"{name_of(people, event.actor_id)} ({department})"
    text = tr.t(EVENTS.get(event.kind, event.kind), who=who)
    return f"{text}: “{quote(event.note)}”" if event.note else text


def finding_lines(tr: Translator, stored: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per finding: how serious, what, where, the span quoted, and the fix."""
    lines = []
    for data in stored:
        finding = Finding.from_dict(data)
        mark = "⛔" if finding.blocks else "⚠️"
        where = (
            tr.t("in the title")
            if data.get("field") == "title"
            else tr.t("in the post, line {line}", line=data.get("line", 1))
        )
        lines.append(
            f"{mark} {finding.label(tr)} {where}: “{quote(finding.text)}” — {finding.message(tr)}"
        )
    return lines


def status_text(
    tr: Translator,
    draft: Draft,
    reviews: Sequence[Review],
    people: People,
    departments: Mapping[str, Mapping[str, str]],
    zone_name: str | None = None,
) -> str:
    text = tr.t(STATUS.get(draft.status, draft.status))
    if draft.status == "scheduled" and draft.publish_at:
        when = shown(draft.publish_at, zone_name)
        text = tr.t("approved, to be published on {when}", when=when)
    if draft.status in ("in_review", "changes_requested", "rejected"):
        parts = [review_part(tr, review, people, departments) for review in reviews]
        if not parts and draft.status == "in_review":
            parts = [tr.t("no department reviews drafts yet (see review in the configuration)")]
        text += ": " + "; ".join(parts) if parts else ""
    return text


def review_part(
    tr: Translator, review: Review, people: People, departments: Mapping[str, Mapping[str, str]]
) -> str:
    department = department_label(tr, departments, review.department)
    if review.reviewer_id is None:
        return tr.t(
            "{department}: waiting for a reviewer: nobody else there can review it yet",
            department=department,
        )
    name = name_of(people, review.reviewer_id)
    if review.state == PENDING and review.delivered_at is None and review.delivery_error:
        return tr.t(
            "{department}: waiting for a reviewer: could not reach {name}, retrying",
            department=department,
            name=name,
        )
    if review.state == PENDING:
        return tr.t("{department}: {name}, waiting", department=department, name=name)
    state = tr.t(REVIEW_STATE.get(review.state, review.state))
    line = f"{department}: {name}, {state}"
    return f"{line} — “{quote(review.comment)}”" if review.comment else line


def draft_card(
    tr: Translator,
    draft: Draft,
    version: DraftVersion,
    status: str,
    *,
    intro: str = "",
) -> Card:
    findings = finding_lines(tr, version.findings or [])
    body = [intro] if intro else []
    if findings:
        body.append(tr.t("Policy check:"))
        body += findings
    elif version.findings is not None:
        body.append(tr.t("Policy check: nothing to fix."))
    buttons: list[Button | LinkButton] = []
    if draft.status == HELD:
        buttons.append(Button(tr.t("Send to review"), RECHECK, str(draft.id), "primary"))
    elif draft.status in EDITABLE:
        buttons.append(Button(tr.t("Edit"), EDIT, str(draft.id), "primary"))
    return Card(
        title=tr.t("Draft #{id}: {title}", id=draft.id, title=version.title),
        body="\n".join(body),
        facts=(
            Fact(tr.t("Status"), status),
            Fact(tr.t("Version"), str(version.number)),
            Fact(tr.t("Networks"), networks_text(version.networks)),
        ),
        buttons=tuple(buttons),
    )


def networks_text(networks: Sequence[str]) -> str:
    return ", ".join(NETWORK_LABELS.get(net, net) for net in networks)


def version_facts(tr: Translator, version: DraftVersion, author: Person | None) -> list[Fact]:
    facts = [
        Fact(tr.t("Author"), author.name if author else "?"),
        Fact(tr.t("Link"), version.link),
        Fact(tr.t("Networks"), networks_text(version.networks)),
        Fact(tr.t("Language"), {"tr": "Türkçe", "en": "English"}.get(version.language, "?")),
    ]
    if version.tags:
        facts.append(Fact(tr.t("Tags"), ", ".join(version.tags)))
    facts.append(Fact(tr.t("Version"), str(version.number)))
    return facts


def review_card(
    tr: Translator,
    review: Review,
    version: DraftVersion,
    author: Person | None,
    department: str,
    *,
    footer: str = "",
) -> Card:
    """The card a reviewer acts on: the post, the warnings, three buttons."""
    findings = finding_lines(tr, version.findings or [])
    body = [version.body]
    if findings:
        body += ["", tr.t("Policy check:"), *findings]
    value = str(review.id)
    return Card(
        title=tr.t("Review for {department}: {title}", department=department, title=version.title),
        body="\n".join(body),
        facts=tuple(version_facts(tr, version, author)),
        footer=footer,
        buttons=(
            Button(tr.t("Approve"), APPROVE, value, "primary"),
            Button(tr.t("Request changes"), REQUEST_CHANGES, value),
            Button(tr.t("Reject"), REJECT, value, "danger"),
        ),
    )


def decided_card(tr: Translator, card: Card, outcome: str) -> Card:
    """The review card after the decision: the same facts, no buttons, what was decided."""
    return Card(title=card.title, body=card.body, facts=card.facts, footer=outcome)
