"""Random secrets shown once and stored as hashes."""

import hashlib
import secrets


def new_secret(prefix: str, nbytes: int = 30) -> str:
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def hash_secret(secret: str) -> str:
    # Keys carry 240 bits of randomness, so a fast hash is enough (no need for a slow KDF) and
    # keeps the per-request key check cheap.
    return hashlib.sha256(secret.encode()).hexdigest()
