"""Xiaonuo's WeChat crypto against the independent wechatpy implementation, both ways."""

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from xiaonuo.channels.tests.conftest import WECHAT_AES_KEY, WECHAT_APP_ID, WECHAT_TOKEN
from xiaonuo.channels.wechat import crypto
from xiaonuo.channels.wechat import messages as wechat_messages

ours = crypto.MessageCrypto(
    token=WECHAT_TOKEN, encoding_aes_key=WECHAT_AES_KEY, app_id=WECHAT_APP_ID
)
theirs = WeChatCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)

TEXTS = ["", "success", "你好，乌龙茶什么时候发货？", "x" * 31, "y" * 32, "z" * 33, "订单" * 700]


@pytest.mark.parametrize("text", TEXTS)
def test_what_wechatpy_encrypts_we_decrypt(text):
    envelope = xmltodict.parse(theirs.encrypt_message(text, "nonce1", "1700000000"))["xml"]

    assert ours.msg_signature_matches(
        envelope["MsgSignature"],
        timestamp="1700000000",
        nonce="nonce1",
        encrypted=envelope["Encrypt"],
    )
    assert ours.decrypt(envelope["Encrypt"]) == text


@pytest.mark.parametrize("text", TEXTS)
def test_what_we_encrypt_wechatpy_decrypts_and_verifies(text):
    encrypted = ours.encrypt(text)
    signature = ours.msg_signature(timestamp="1700000001", nonce="n2", encrypted=encrypted)
    envelope = wechat_messages.encrypted_envelope(
        encrypted=encrypted, signature=signature, timestamp="1700000001", nonce="n2"
    )

    assert theirs.decrypt_message(envelope, signature, "1700000001", "n2") == text


def test_the_padding_is_to_32_bytes_as_wechat_documents():
    import base64

    for length in range(0, 70):
        data = base64.b64decode(ours.encrypt("a" * length))
        assert len(data) % 32 == 0


def test_a_message_for_another_app_id_is_refused_both_ways():
    other = WeChatCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, "wx0000000000000000")
    envelope = xmltodict.parse(other.encrypt_message("<xml/>", "n", "1"))["xml"]
    with pytest.raises(crypto.CryptoError):
        ours.decrypt(envelope["Encrypt"])

    encrypted = crypto.MessageCrypto(
        token=WECHAT_TOKEN, encoding_aes_key=WECHAT_AES_KEY, app_id="wx0000000000000000"
    ).encrypt("<xml/>")
    signature = ours.msg_signature(timestamp="1", nonce="n", encrypted=encrypted)
    with pytest.raises(InvalidAppIdException):
        theirs.decrypt_message({"Encrypt": encrypted}, signature, "1", "n")


def test_a_wrong_signature_is_caught_by_wechatpy_too():
    encrypted = ours.encrypt("x")
    with pytest.raises(InvalidSignatureException):
        theirs.decrypt_message({"Encrypt": encrypted}, "0" * 40, "1", "n")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not base64!",
        "QUJD",
        "A" * 44,
        ours.encrypt("x", random_prefix=b"0" * 16)[:-8] + "AAAAAAA=",
    ],
)
def test_garbage_never_decrypts_and_never_crashes(garbage):
    with pytest.raises(crypto.CryptoError):
        ours.decrypt(garbage)


def test_another_key_fails_as_a_crypto_error_not_an_exception_of_the_library():
    other = crypto.MessageCrypto(
        token=WECHAT_TOKEN,
        encoding_aes_key="Z" * 42 + "A",
        app_id=WECHAT_APP_ID,
    )
    with pytest.raises(crypto.CryptoError):
        other.decrypt(ours.encrypt("私密"))


def test_key_and_token_formats():
    assert crypto.valid_encoding_aes_key(WECHAT_AES_KEY)
    assert not crypto.valid_encoding_aes_key(WECHAT_AES_KEY[:-1])
    assert not crypto.valid_encoding_aes_key(WECHAT_AES_KEY + "A")
    assert not crypto.valid_encoding_aes_key("!" * 43)
    assert crypto.valid_token("abc") and crypto.valid_token("A1" * 16)
    assert not crypto.valid_token("ab") and not crypto.valid_token("a" * 33)
    assert not crypto.valid_token("token with space")
