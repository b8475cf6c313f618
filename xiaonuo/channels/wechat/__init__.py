"""The WeChat Official Account channel (docs/wechat.md).

- ``crypto``: signatures and WeChat's AES message encryption (WXBizMsgCrypt).
- ``messages``: parsing the callback's XML safely and rendering passive replies.
- ``callback``: what the callback URL does with one request (verify, de-duplicate, answer).
- ``client``: the outbound API (access token, customer-service messages) and its errors.
- ``pusher``: the desk's replies go out through the customer-service message API.
- ``accounts``: an Official Account's settings and secrets (AppSecret encrypted at rest).
"""
