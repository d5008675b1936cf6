"""The draft form: new (``submit``) or a new version of a draft (``state["draft"]``),
pre-filled with the version it changes."""

from __future__ import annotations

from typing import Any

from bot.content import NETWORKS
from bot.context import Context
from bot.replies import Form, FormField, Option
from storage.drafts import Draft, DraftVersion, current_version

FORM_ID = "drafts.submit"
NETWORK_LABELS = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}
BODY_MAX = 3000  # LinkedIn's limit, and the most a Slack text input takes


def editable_version(ctx: Context, state: dict[str, Any]) -> tuple[Draft, DraftVersion] | None:
    """The draft named in ``state`` and its current version, if it is the reader's own."""
    draft_id = state.get("draft")
    if not isinstance(draft_id, int) or ctx.person is None:
        return None
    with ctx.db() as session:
        draft = session.get(Draft, draft_id)
        if draft is None or draft.author_id != ctx.person.id:
            return None
        return draft, current_version(session, draft)


def draft_form(ctx: Context, state: dict[str, Any]) -> Form:
    found = editable_version(ctx, state)
    version = found[1] if found else None
    return Form(
        form_id=FORM_ID,
        title=ctx.t("Edit draft #{id}", id=found[0].id) if found else ctx.t("New blog draft"),
        intro=ctx.t(
            "Write the post as it should appear. I check it against the social media policy "
            "at once, then send it to review."
        ),
        submit_label=ctx.t("Send to review"),
        cancel_label=ctx.t("Cancel"),
        state={"draft": found[0].id} if found else {},
        fields=(
            FormField(
                "title",
                ctx.t("Title"),
                required=True,
                max_length=300,
                initial=version.title if version else None,
            ),
            FormField(
                "body",
                ctx.t("Post"),
                kind="multiline",
                required=True,
                max_length=BODY_MAX,
                initial=version.body if version else None,
            ),
            FormField(
                "link",
                ctx.t("Link"),
                required=True,
                placeholder="https://",
                initial=version.link if version else None,
            ),
            FormField(
                "networks",
                ctx.t("Networks"),
                kind="multiselect",
                required=True,
                options=tuple(Option(net, NETWORK_LABELS[net]) for net in NETWORKS),
                initial=list(version.networks) if version else None,
            ),
            FormField(
                "tags",
                ctx.t("Tags, separated by commas"),
                initial=", ".join(version.tags) if version else None,
            ),
            FormField(
                "language",
                ctx.t("Language"),
                kind="select",
                required=True,
                initial=version.language if version else ctx.locale,
                options=(Option("tr", "Türkçe"), Option("en", "English")),
            ),
        ),
    )


def version_values(values: dict[str, Any]) -> dict[str, Any]:
    """Form values (already checked against the form) as a version's columns."""
    tags = [tag.strip() for tag in str(values.get("tags") or "").split(",")]
    return {
        "title": values["title"],
        "body": values["body"],
        "link": values["link"],
        "networks": [net for net in NETWORKS if net in (values.get("networks") or [])],
        "tags": list(dict.fromkeys(tag for tag in tags if tag)),
        "language": values.get("language") or "en",
    }
