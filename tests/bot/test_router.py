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
