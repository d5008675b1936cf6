"""``policy status`` (HR): per department, who acknowledged the current policy and passed
the current training, out of how many people."""

from __future__ import annotations

from bot.context import Context
from bot.replies import Card, Fact
from handlers.policy.config import policy_of
from handlers.standing.labels import department_name
from storage.policy import Completion, completion_by_department


def status_card(ctx: Context) -> Card:
    config = ctx.services.settings.config
    policy = policy_of(config)
    if not policy.exists:
        return Card(title=ctx.t("There is no social media policy to acknowledge."))
    training = policy.training
    with ctx.db() as session:
        rows = completion_by_department(
            session, policy.version, training.version if training else None
        )
    no_department = ctx.t("No department")

    def label(row: Completion) -> str:
        return department_name(ctx, row.department) if row.department else no_department

    rows.sort(key=lambda row: (row.department is None, label(row).casefold()))
    everyone = Completion(
        None,
        sum(row.people for row in rows),
        sum(row.acknowledged for row in rows),
        sum(row.trained for row in rows),
    )
    facts = [Fact(label(row), _counts(ctx, row, training is not None)) for row in rows]
    facts.append(Fact(ctx.t("Everyone"), _counts(ctx, everyone, training is not None)))
    if policy.required and training:
        footer = ctx.t("Sharing and draft submission wait for both.")
    elif policy.required:
        footer = ctx.t("Sharing and draft submission wait for the acknowledgement.")
    else:
        footer = ctx.t("The configuration does not require them before sharing at the moment.")
    return Card(
        title=ctx.t("Social media policy: completion"),
        body=ctx.t(
            "Acknowledgements of version {version} and passes of the current training, by "
            "department.",
            version=policy.version,
        )
        if training
        else ctx.t("Acknowledgements of version {version}, by department.", version=policy.version),
        facts=tuple(facts),
        footer=footer,
    )


def _counts(ctx: Context, row: Completion, with_training: bool) -> str:
    acknowledged = ctx.t(
        "{done} of {people} acknowledged", done=row.acknowledged, people=row.people
    )
    if not with_training:
        return acknowledged
    trained = ctx.t("{done} of {people} trained", done=row.trained, people=row.people)
    return f"{acknowledged} · {trained}"
