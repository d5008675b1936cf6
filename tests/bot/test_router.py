import pytest

from bot.i18n import N_
from bot.router import DuplicateRoute, Router


async def noop(ctx, event):
    return None


def test_aliases_and_case_find_the_command() -> None:
    router = Router()
    router.command("help", summary=N_("show this list"), aliases=("yardım",))(noop)
    assert router.find_command("HELP").verb == "help"
    assert router.find_command("YARDIM").verb == "help"
    assert router.find_command("yardim") is None


def test_a_name_can_be_taken_once() -> None:
    router = Router()
    router.command("help", summary="x")(noop)
    with pytest.raises(DuplicateRoute):
        router.command("yardım", summary="y", aliases=("help",))(noop)
    router.action("a.b")(noop)
    with pytest.raises(DuplicateRoute):
        router.action("a.b")(noop)


def test_included_routers_keep_their_duplicates_out() -> None:
    first, second, root = Router(), Router(), Router()
    first.command("share", summary="x")(noop)
    second.command("share", summary="y")(noop)
    root.include(first)
    with pytest.raises(DuplicateRoute):
        root.include(second)


def test_a_two_word_sub_command_wins_over_its_verb_and_keeps_its_own_role() -> None:
    router = Router()
    router.command("stats", summary="x", role="employee")(noop)
    router.command("stats campaign", summary="y", role="hr", aliases=("stats kampanya",))(noop)
    spec, args = router.resolve("STATS", ("Kampanya", "7"))
    assert (spec.verb, spec.role, args) == ("stats campaign", "hr", ("7",))
    spec, args = router.resolve("stats", ("30",))
    assert (spec.verb, spec.role, args) == ("stats", "employee", ("30",))
    assert router.resolve("nothing", ("campaign",)) is None
