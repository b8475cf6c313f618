"""WeChat's callback signatures and its AES message encryption, as WeChat documents them
("消息加解密说明", the WXBizMsgCrypt sample code):

- ``signature`` = SHA-1 of the token, timestamp and nonce sorted and joined (URL check and
  every plaintext message); ``msg_signature`` adds the ``Encrypt`` field to the four sorted.
- The AES key is ``base64(EncodingAESKey + "=")`` (43 characters → 32 bytes); AES-256-CBC with
  the key's first 16 bytes as IV; the plaintext is 16 random bytes, the message's length as 4
  bytes in network order, the message, and the AppID, padded PKCS#7-style to a multiple of 32.

Comparisons are constant-time; a wrong key, a bad padding or another AppID all raise
``CryptoError`` without saying which, so the error cannot be used as an oracle.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeChat pads to 32 bytes, not AES's 16
ENCODING_AES_KEY_LENGTH = 43
_KEY_ALPHABET = re.compile(r"^[A-Za-z0-9+/]{43}$")
_TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9]{3,32}$")


class CryptoError(Exception):
    """A message that does not decrypt to a well-formed message for this AppID."""


def valid_token(token: str) -> bool:
    """WeChat's console accepts 3 to 32 letters and digits as the Token."""
    return bool(_TOKEN_FORMAT.match(token or ""))


def valid_encoding_aes_key(key: str) -> bool:
    """43 characters of base64 that decode (with the ``=`` WeChat leaves off) to 32 bytes."""
    if not _KEY_ALPHABET.match(key or ""):
        return False
    try:
        return len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's protocol


def signature_matches(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(sign(*parts).encode(), (expected or "").lower().encode())


class MessageCrypto:
    """Encrypts and decrypts one Official Account's messages."""

    def __init__(self, *, token: str, encoding_aes_key: str, app_id: str) -> None:
        if not valid_encoding_aes_key(encoding_aes_key):
            raise ValueError("EncodingAESKey must be 43 characters of base64")
        self.token = token
        self.app_id = app_id
        self._key = base64.b64decode(encoding_aes_key + "=")

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, text: str, *, random_prefix: bytes | None = None) -> str:
        body = text.encode()
        plain = (
            (random_prefix or os.urandom(16))
            + struct.pack(">I", len(body))
            + body
            + self.app_id.encode()
        )
        pad = BLOCK_SIZE - len(plain) % BLOCK_SIZE
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("not base64") from None
        if not data or len(data) % 16:
            raise CryptoError("not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK_SIZE or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        plain = plain[16:-pad]
        if len(plain) < 4:
            raise CryptoError("too short")
        (length,) = struct.unpack(">I", plain[:4])
        body, app_id = plain[4 : 4 + length], plain[4 + length :]
        if len(body) != length or not hmac.compare_digest(app_id, self.app_id.encode()):
            raise CryptoError("not for this AppID")
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise CryptoError("not UTF-8") from None

    def msg_signature(self, *, timestamp: str, nonce: str, encrypted: str) -> str:
        return sign(self.token, timestamp, nonce, encrypted)

    def msg_signature_matches(
        self, expected: str, *, timestamp: str, nonce: str, encrypted: str
    ) -> bool:
        return signature_matches(expected, self.token, timestamp, nonce, encrypted)
