"""Structured log lines (one JSON object each) that never carry a secret.

Redaction happens in a filter on the root handler, so a token that slips into any
library's message, exception or ``extra`` is masked before it is written: the configured
secret values themselves, anything shaped like a Slack token, signature or bearer token,
and the password of any URL with credentials in it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from pythonjsonlogger.json import JsonFormatter

MASK = "[redacted]"
_PATTERNS = (
    re.compile(r"xox[abpres]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"v0=[0-9a-f]{16,}"),
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"),
)


_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@/\s]+@")


def url_passwords(url: str) -> list[str]:
    """The password in a URL such as ``ELCI_DATABASE_URL`` as written and as decoded."""
    password = urlsplit(url).password
    return sorted({password, unquote(password)}) if password else []


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if len(secret) >= 6)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(MASK, text)
        return _URL_CREDENTIALS.sub(rf"\g<scheme>:{MASK}@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in list(vars(record).items()):
            if isinstance(value, str) and key not in ("msg", "exc_text"):
                setattr(record, key, self.redact(value))
        return True


def configure(level: str = "INFO", secrets: Iterable[str] = (), stream=sys.stderr) -> None:  # type: ignore[no-untyped-def]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"}
        )
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
