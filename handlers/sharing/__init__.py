"""Content circulation: the library HR curates and the feed employees share from."""

from bot.router import Router
from handlers.sharing import feed, library

router = Router()
router.include(library.router)
router.include(feed.router)
