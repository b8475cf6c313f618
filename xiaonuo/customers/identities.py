"""Normalising identity values so that the same person is recognised however it was typed."""

import re

from xiaonuo.customers.exceptions import CustomersError
from xiaonuo.customers.models import PERSONAL_IDENTITY_KINDS, IdentityKind
from xiaonuo.lib.errors import ServiceError
from xiaonuo.lib.masking import mask_email, mask_generic, mask_phone

_PHONE_JUNK = re.compile(r"[\s\-()（）.]")
_PHONE = re.compile(r"^\+?\d{5,20}$")
_KINDS = frozenset(IdentityKind.values)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise(kind: str, value: str) -> str:
    """Canonical form of an identity value, or ServiceError(identity_invalid)."""
    value = (value or "").strip()
    if not value:
        raise ServiceError(CustomersError.IDENTITY_INVALID, f"Empty {kind}", field=kind)
    if kind == IdentityKind.PHONE:
        phone = _PHONE_JUNK.sub("", value)
        # Mainland numbers are stored without +86 so that "+86 138…" and "138…" are one person.
        if phone.startswith("+86") and len(phone) == 14:
            phone = phone[3:]
        elif phone.startswith("0086") and len(phone) == 15:
            phone = phone[4:]
        if not _PHONE.match(phone):
            raise ServiceError(
                CustomersError.IDENTITY_INVALID, f"Not a phone number: {value!r}", field=kind
            )
        return phone
    if kind == IdentityKind.EMAIL:
        if not _EMAIL.match(value):
            raise ServiceError(
                CustomersError.IDENTITY_INVALID, f"Not an e-mail address: {value!r}", field=kind
            )
        return value.lower()
    if kind == IdentityKind.QQ and not value.isdigit():
        raise ServiceError(
            CustomersError.IDENTITY_INVALID, f"Not a QQ number: {value!r}", field=kind
        )
    if kind not in _KINDS:
        raise ServiceError(
            CustomersError.IDENTITY_INVALID, f"Unknown identity kind {kind!r}", field=kind
        )
    if len(value) > 200:
        raise ServiceError(
            CustomersError.IDENTITY_INVALID, f"{kind} is longer than 200 characters", field=kind
        )
    return value


def masked_value(kind: str, value: str) -> str:
    """What a role without the reveal permission sees: 138****1234, c***@example.com, oX****eF.
    External and anonymous ids are the company's own keys, not personal data, and stay whole."""
    if kind == IdentityKind.PHONE:
        return mask_phone(value)
    if kind == IdentityKind.EMAIL:
        return mask_email(value)
    if kind in PERSONAL_IDENTITY_KINDS:
        return mask_generic(value)
    return value
