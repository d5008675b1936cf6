"""``training``: a short quiz on the policy, one select per question in a neutral form.

Every attempt is kept; passing a quiz version earns its points once. The form carries the
quiz version, so answers to a quiz that changed meanwhile are not scored against the new
questions.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.events import Action, Command, FormSubmit
from bot.i18n import N_
from bot.points import points_for
from bot.replies import Answer, Button, Card, Form, FormField, Option
from bot.roles import EMPLOYEE
from bot.router import Router
from handlers.policy.config import Training, policy_of
from handlers.policy.gate import QUIZ_FORM, SHOW_POLICY, START_TRAINING, next_steps, readiness
from storage.points import award
from storage.policy import best_pass, record_attempt

router = Router()


@router.command(
    "training",
    summary=N_("take the short social media training"),
    role=EMPLOYEE,
    aliases=("eğitim",),
)
async def training_command(ctx: Context, command: Command) -> None:
    training = policy_of(ctx.services.settings.config).training
    person_id = ctx.person.id if ctx.person else None
    if training is None or person_id is None:
        await ctx.reply(ctx.t("There is no training to take right now."))
        return
    with ctx.db() as session:
        passed = best_pass(session, person_id, training.version)
    if passed is None:
        await ctx.open_form(QUIZ_FORM)
        return
    await ctx.reply(
        Card(
            title=ctx.t("You have passed this training"),
            body=ctx.t(
                "You passed it on {date} with {score} of {total} answers right. You may "
                "take it again; your pass stands whatever the new score.",
                date=passed.at.date().isoformat(),
                score=passed.score,
                total=passed.total,
            ),
            buttons=(Button(ctx.t("Take it again"), START_TRAINING),),
        )
    )


@router.action(START_TRAINING, role=EMPLOYEE)
async def start_button(ctx: Context, action: Action) -> Answer:
    if policy_of(ctx.services.settings.config).training is None:
        await ctx.reply(ctx.t("There is no training to take right now."))
        return None
    await ctx.open_form(QUIZ_FORM)
    return None


def build_quiz(ctx: Context, state: dict[str, Any]) -> Form:
    training = policy_of(ctx.services.settings.config).training
    questions = training.questions if training else ()
    fields = tuple(
        FormField(
            name=f"q{number}",
            label=f"{number}. {question.text.get(ctx.locale)}",
            kind="select",
            required=True,
            options=tuple(
                Option(str(choice_number), choice.get(ctx.locale))
                for choice_number, choice in enumerate(question.choices, start=1)
            ),
        )
        for number, question in enumerate(questions, start=1)
    )
    intro = (
        ctx.t(
            "{total} questions on the social media policy; {pass_mark} right answers pass. "
            "You may take it as often as you like.",
            total=len(questions),
            pass_mark=training.pass_mark,
        )
        if training
        else ctx.t("There is no training to take right now.")
    )
    return Form(
        form_id=QUIZ_FORM,
        title=ctx.t("Social media training"),
        fields=fields,
        submit_label=ctx.t("Send answers"),
        cancel_label=ctx.t("Cancel"),
        intro=intro,
        state={"version": training.version if training else ""},
    )


@router.form(QUIZ_FORM, build=build_quiz, role=EMPLOYEE)
async def quiz_submitted(ctx: Context, submit: FormSubmit) -> Answer:
    policy = policy_of(ctx.services.settings.config)
    training = policy.training
    person_id = ctx.person.id if ctx.person else None
    if training is None or person_id is None:
        await ctx.reply(ctx.t("There is no training to take right now."))
        return None
    if submit.state.get("version", training.version) != training.version:
        await ctx.reply(
            ctx.t("The training has changed while you were answering. Here is the new one.")
        )
        await ctx.open_form(QUIZ_FORM)
        return None
    missed = _missed(training, submit.values)
    score = len(training.questions) - len(missed)
    passed = score >= training.pass_mark
    points = points_for(ctx.services.settings.config, "training_passed")
    with ctx.db() as session:
        record_attempt(session, person_id, training.version, score, len(training.questions), passed)
        earned = passed and award(
            session, person_id, "training_passed", f"{person_id}:{training.version}", points
        )
        state = readiness(session, person_id, policy)
    total = len(training.questions)
    if passed:
        lines = [ctx.t("{score} of {total} answers right.", score=score, total=total)]
        if earned:
            lines.append(ctx.tn("You earned {n} point.", "You earned {n} points.", points))
        if state.ready and policy.required:
            lines.append(ctx.t("You are all set to share."))
        await ctx.reply(
            Card(
                title=ctx.t("You passed the training"),
                body="\n".join(lines),
                buttons=next_steps(ctx.tr, state),
            )
        )
        return None
    await ctx.reply(
        Card(
            title=ctx.t("Not passed yet"),
            body="\n".join(
                (
                    ctx.t(
                        "{score} of {total} answers right; {pass_mark} are needed to pass.",
                        score=score,
                        total=total,
                        pass_mark=training.pass_mark,
                    ),
                    ctx.t(
                        "Questions to look at again: {numbers}.",
                        numbers=", ".join(str(number) for number in missed),
                    ),
                    ctx.t("Read the policy again and have another go whenever you like."),
                )
            ),
            buttons=(
                Button(ctx.t("Take the training again"), START_TRAINING, style="primary"),
                Button(ctx.t("Read the policy"), SHOW_POLICY),
            ),
        )
    )
    return None


def _missed(training: Training, values: dict[str, Any]) -> list[int]:
    """The numbers of the questions answered wrongly (or not at all)."""
    return [
        number
        for number, question in enumerate(training.questions, start=1)
        if values.get(f"q{number}") != str(question.answer + 1)
    ]
