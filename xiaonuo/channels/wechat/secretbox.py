"""Secrets at rest (the AppSecret, the current access token): Fernet (AES-128-CBC + HMAC-SHA256)
with a key derived from Django's SECRET_KEY.

A copy of the database alone does not reveal them. Rotating SECRET_KEY keeps them readable
while the old key is listed in SECRET_KEY_FALLBACKS (Django's own rotation setting); without it
the AppSecret must be entered again (the access token is simply fetched anew).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

_PURPOSE = b"xiaonuo.channels.wechat.secret:"


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(_PURPOSE + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def seal(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode() if plain else ""


def unseal(sealed: str) -> str:
    """The secret, or "" when there is none or it cannot be read with the current keys."""
    if not sealed:
        return ""
    try:
        return _box().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
