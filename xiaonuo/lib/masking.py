"""Masking of personal identifiers for roles that may not see them in full."""


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; +8613812341234 → +86138****1234; short values keep their end."""
    value = phone.strip()
    if len(value) < 7:
        return "*" * max(len(value) - 2, 0) + value[-2:]
    return _mask_middle(value, keep_head=3, keep_tail=4)


def _mask_middle(value: str, *, keep_head: int, keep_tail: int) -> str:
    # For numbers with a country code, keep it plus the first three digits of the number.
    head = keep_head
    if value.startswith("+") and len(value) > 11:
        head = len(value) - 11 + keep_head
    hidden = len(value) - head - keep_tail
    return value[:head] + "*" * max(hidden, 4) + value[-keep_tail:]


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    if not domain:
        return mask_generic(email)
    return f"{name[:1]}***@{domain}"


def mask_generic(value: str) -> str:
    """openid, unionid, QQ and external ids: keep a short head and tail, enough to tell apart."""
    if len(value) <= 4:
        return "*" * len(value)
    return f"{value[:2]}****{value[-2:]}"
