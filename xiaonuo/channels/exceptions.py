from enum import StrEnum


class ChannelsError(StrEnum):
    CHANNEL_NOT_FOUND = "channel_not_found"  # unknown id, or another workspace's channel
    CHANNEL_DISABLED = "channel_disabled"  # the workspace switched the channel off
    CHANNEL_KIND_INVALID = "channel_kind_invalid"
    CHANNEL_NAME_INVALID = "channel_name_invalid"  # empty or longer than 100 characters
    DELIVERY_FAILED = "delivery_failed"  # the channel's service refused or did not answer
    # --- The web chat widget (docs/widget.md) ---
    ALLOWED_ORIGINS_INVALID = "allowed_origins_invalid"  # not scheme://host[:port], or too many
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"  # the page's origin is not in the channel's list
    REQUEST_INVALID = "request_invalid"  # not a JSON object, or a field of the wrong type
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"  # a request body over the widget's limit
    RATE_LIMITED = "rate_limited"  # too many requests from one visitor or address; Retry-After
    # (S105: these are error codes, not passwords.)
    VISITOR_TOKEN_MISSING = "visitor_token_missing"  # noqa: S105 - the X-Xiaonuo-Visitor header is absent
    VISITOR_TOKEN_INVALID = "visitor_token_invalid"  # noqa: S105 - forged, or another channel's
    CURSOR_INVALID = "cursor_invalid"  # ``after`` is not a non-negative integer
    USER_ID_INVALID = "user_id_invalid"  # identify: empty, or longer than 200 characters
    IDENTITY_UNSIGNED = "identity_unsigned"  # identify: a user id without its user_hash
    IDENTITY_SIGNATURE_INVALID = "identity_signature_invalid"  # user_hash does not match
    IDENTITY_NOT_CONFIGURED = "identity_not_configured"  # the channel has no secret to check with
    # --- The WeChat Official Account (docs/wechat.md) ---
    WECHAT_TOKEN_INVALID = "wechat_token_invalid"  # noqa: S105 - not 3–32 letters and digits
    WECHAT_AES_KEY_INVALID = "wechat_aes_key_invalid"  # not 43 characters of base64
    WECHAT_APP_ID_INVALID = "wechat_app_id_invalid"  # not wx + 16 letters and digits
    WECHAT_APP_SECRET_INVALID = "wechat_app_secret_invalid"  # noqa: S105 - not 32 letters and digits
    WECHAT_APP_ID_TAKEN = "wechat_app_id_taken"  # the workspace already has this Official Account
    WECHAT_SIGNATURE_INVALID = "wechat_signature_invalid"  # signature / msg_signature mismatch
    WECHAT_TIMESTAMP_STALE = "wechat_timestamp_stale"  # more than 5 minutes from our clock
    WECHAT_XML_INVALID = "wechat_xml_invalid"  # not well-formed, entities, DTD, wrong shape
    WECHAT_DECRYPT_FAILED = "wechat_decrypt_failed"  # not encrypted with this account's key
    WECHAT_UNAVAILABLE = "wechat_unavailable"  # we failed; WeChat retries
