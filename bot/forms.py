"""Checks and coerces submitted form values against the form's own definition.

Every platform sends values differently (Slack nests them per block, Teams flattens them
into strings, the console types them). Adapters pass what they got; this module decides
once what is valid, so a field is required or a select is closed on every platform alike.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.i18n import N_, Translator
from bot.replies import Form, FormField

_TRUE = {"true", "1", "yes", "on", "evet", "e", "y"}
_FALSE = {"false", "0", "no", "off", "hayır", "h", "n", ""}


def check(form: Form, raw: dict[str, Any], tr: Translator) -> tuple[dict[str, Any], dict[str, str]]:
    """Returns (clean values, errors by field name); errors are localized."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in form.fields:
        try:
            value = _coerce(spec, raw.get(spec.name))
        except ValueError as exc:
            errors[spec.name] = tr.t(str(exc))
            continue
        if spec.required and value in (None, "", [], False) and spec.kind != "checkbox":
            errors[spec.name] = tr.t("This field is required.")
        elif spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
            errors[spec.name] = tr.t("At most {n} characters, please.", n=spec.max_length)
        else:
            values[spec.name] = value
    return values, errors


def _coerce(spec: FormField, value: Any) -> Any:
    if spec.kind in ("text", "multiline"):
        return "" if value is None else str(value).strip()
    if spec.kind == "checkbox":
        return _boolean(value)
    if spec.kind == "date":
        return _date(value)
    allowed = {option.value for option in spec.options}
    if spec.kind == "select":
        if value in (None, ""):
            return None
        if str(value) not in allowed:
            raise ValueError(N_("Choose one of the offered options."))
        return str(value)
    chosen = _as_list(value)
    if any(item not in allowed for item in chosen):
        raise ValueError(N_("Choose one of the offered options."))
    return chosen


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(N_("Answer yes or no."))


def _date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError(N_("Give a date as YYYY-MM-DD.")) from None


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]
