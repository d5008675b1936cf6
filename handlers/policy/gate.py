"""The training gate: train first, then share.

Sharing and draft submission call :func:`gate` before they act. It answers None when the
person may go ahead (or the config does not require the policy), otherwise a card that
says what is missing, with buttons that lead straight to it. :func:`share_gate` does the
same for a share link pressed outside a turn (a card from before the policy changed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.context import Context
from bot.i18n import Translator
from bot.jobs import JobContext
from bot.outbound import NotReachable
from bot.replies import Button, ButtonStyle, Card
from bot.tracking.routes import ShareGate
from bot.transport import DeliveryError
from handlers.policy.config import Policy, policy_of
from storage.people import Person
from storage.policy import TrainingResult, acknowledgement, best_pass, has_acknowledged_any

log = logging.getLogger(__name__)

SHOW_POLICY = "policy.show"
ACKNOWLEDGE = "policy.ack"
START_TRAINING = "training.start"
QUIZ_FORM = "training.quiz"


@dataclass(frozen=True)
class Readiness:
    """Where one person stands with the current policy and training."""

    acknowledged_at: datetime | None
    acknowledged_before: bool  # some earlier version: the policy changed since
    passed: TrainingResult | None
    training_needed: bool

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def trained(self) -> bool:
        return self.passed is not None or not self.training_needed

    @property
    def ready(self) -> bool:
        return self.acknowledged and self.trained


def readiness(session: Session, person_id: int, policy: Policy) -> Readiness:
    ack = acknowledgement(session, person_id, policy.version) if policy.exists else None
    training = policy.training
    return Readiness(
        acknowledged_at=ack.at if ack else None,
        acknowledged_before=ack is None and has_acknowledged_any(session, person_id),
        passed=best_pass(session, person_id, training.version) if training else None,
        training_needed=training is not None,
    )


def cleared(session: Session, config: Config, person_id: int) -> bool:
    """May this person share now? For callers without a turn (a tracked redirect)."""
    policy = policy_of(config)
    return not (policy.required and policy.exists) or readiness(session, person_id, policy).ready


async def gate(ctx: Context) -> Card | None:
    """None when ``ctx.person`` may share or submit now; else the card to send instead."""
    policy = policy_of(ctx.services.settings.config)
    if not (policy.required and policy.exists):
        return None
    person_id = ctx.person.id if ctx.person else None
    if person_id is None:
        state = Readiness(None, False, None, policy.training is not None)
    else:
        with ctx.db() as session:
            state = readiness(session, person_id, policy)
    return None if state.ready else gate_card(ctx.tr, policy, state)


def share_gate(config: Config) -> ShareGate | None:
    """The gate of ``/s/`` links: what :func:`gate` checks, for a link pressed in a browser;
    None when the config requires no policy, so share links cost no extra lookup."""
    policy = policy_of(config)
    if not (policy.required and policy.exists):
        return None
    return ShareGate(
        cleared=lambda session, person_id: cleared(session, config, person_id),
        explain=explain,
    )


async def explain(job: JobContext, person_id: int) -> None:
    """The gate card in chat, in the person's language, for a share link held back."""
    policy = policy_of(job.services.settings.config)
    with job.db() as session:
        person = session.get(Person, person_id)
        state = readiness(session, person_id, policy)
    if person is None:
        return
    try:
        await job.notify(person, gate_card(job.translator_for(person), policy, state))
    except (NotReachable, DeliveryError) as exc:
        log.info("policy gate card not delivered", extra={"reason": str(exc)[:200]})


def gate_card(tr: Translator, policy: Policy, state: Readiness) -> Card:
    steps = []
    if state.acknowledged_before and not state.acknowledged:
        intro = tr.t(
            "Our social media policy has changed. Before you share company content or "
            "submit a blog draft, please:"
        )
    else:
        intro = tr.t("Before you share company content or submit a blog draft, please:")
    steps.append(
        ("✓ " if state.acknowledged else "• ")
        + tr.t(
            "read and acknowledge the social media policy (version {version})",
            version=policy.version,
        )
    )
    if policy.training is not None:
        steps.append(
            ("✓ " if state.trained else "• ")
            + tr.t(
                "pass the short training ({pass_mark} of {total} answers right)",
                pass_mark=policy.training.pass_mark,
                total=len(policy.training.questions),
            )
        )
    return Card(
        title=tr.t("First, our social media policy"),
        body="\n".join([intro, *steps]),
        buttons=next_steps(tr, state),
    )


def next_steps(tr: Translator, state: Readiness) -> tuple[Button, ...]:
    """The buttons for what is still missing, the first step marked primary."""
    buttons = []
    if not state.acknowledged:
        buttons.append(
            Button(tr.t("Read and acknowledge the policy"), SHOW_POLICY, style="primary")
        )
    if not state.trained:
        style: ButtonStyle = "default" if buttons else "primary"
        buttons.append(Button(tr.t("Take the training"), START_TRAINING, style=style))
    return tuple(buttons)
