"""Validation of custom attribute values against their declared definitions."""

from datetime import date
from typing import Any

from xiaonuo.customers.exceptions import CustomersError
from xiaonuo.customers.models import AttributeDefinition, AttributeType
from xiaonuo.lib.errors import ServiceError

_TRUE = {"true", "1", "yes", "y", "是", "对"}
_FALSE = {"false", "0", "no", "n", "否", "不"}


def coerce_value(definition: AttributeDefinition, raw: Any) -> Any:
    """The stored (JSON) form of ``raw`` for this attribute; None clears it."""
    if raw is None or raw == "":
        return None
    try:
        return _COERCERS[AttributeType(definition.type)](definition, raw)
    except (ValueError, TypeError) as exc:
        raise ServiceError(
            CustomersError.ATTRIBUTE_INVALID,
            f"{definition.key}: {exc}",
            field=f"attributes.{definition.key}",
        ) from None


def _text(_: AttributeDefinition, raw: Any) -> str:
    value = str(raw)
    if len(value) > 1000:
        raise ValueError("longer than 1000 characters")
    return value


def _number(_: AttributeDefinition, raw: Any) -> float | int:
    if isinstance(raw, bool):
        raise ValueError("expected a number")
    if isinstance(raw, int | float):
        return raw
    text = str(raw).strip().replace(",", "")
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


def _boolean(_: AttributeDefinition, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _date(_: AttributeDefinition, raw: Any) -> str:
    if isinstance(raw, date):
        return raw.isoformat()
    return date.fromisoformat(str(raw).strip().replace("/", "-")).isoformat()


def _choice(definition: AttributeDefinition, raw: Any) -> str:
    value = str(raw)
    if value not in definition.choices:
        raise ValueError(f"{value!r} is not one of {', '.join(map(str, definition.choices))}")
    return value


_COERCERS = {
    AttributeType.TEXT: _text,
    AttributeType.NUMBER: _number,
    AttributeType.BOOLEAN: _boolean,
    AttributeType.DATE: _date,
    AttributeType.CHOICE: _choice,
}
