"""The Official Account's outbound API: the access token and customer-service messages.

- ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` gives an access token
  valid ``expires_in`` seconds (7,200). It is kept on the account's row (encrypted) so every
  process uses one, and fetched again ``REFRESH_MARGIN`` before it expires. Fetching a new one
  invalidates the old after a few minutes' overlap, so two processes refreshing at once do no
  harm; no lock is held across the HTTP call (on SQLite that would stop every writer).
- A token WeChat refuses early (40001 invalid credential, 40014 invalid token, 42001 expired —
  e.g. someone fetched one with the same AppSecret elsewhere) is fetched again once, and the
  call retried once.
- ``POST /cgi-bin/message/custom/send?access_token=…`` sends a customer-service message: text,
  image (by media_id) or one news article. WeChat allows it within 48 hours of the user's last
  message (45015 otherwise) and a limited number per user message (45047).

Every refusal is a ``WeChatApiError`` (a ``DeliveryFailed``) naming WeChat's errcode, with
``retry`` False when trying again cannot help. Secrets never appear in errors or logs: URLs are
logged without their query.
"""

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone

from xiaonuo.channels.models import WeChatAccount
from xiaonuo.channels.outbound import DeliveryFailed
from xiaonuo.channels.wechat import secretbox

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
TIMEOUT = httpx.Timeout(5.0, connect=3.0)

# The token is bad: fetch a new one and retry once.
TOKEN_REFUSED = {40001, 40014, 42001}
# Trying again later cannot help (the recipient, the window or the account's setup is wrong).
FINAL_ERRORS = {
    40003: "invalid openid",
    40013: "invalid AppID",
    40125: "invalid AppSecret",
    40164: "this server's IP address is not in the account's IP whitelist",
    41001: "access token missing",
    43004: "the user does not follow the account",
    45002: "the message is too long",
    45015: "the user has not written in the last 48 hours",
    45047: "too many messages to this user since their last message",
    48001: "the account may not use this API",
}
# Busy or over a rate: worth another attempt later.
TRANSIENT_ERRORS = {-1: "WeChat is busy", 45009: "daily API quota reached", 45011: "API rate"}


class WeChatApiError(DeliveryFailed):
    def __init__(self, errcode: int, errmsg: str, *, retry: bool) -> None:
        reason = FINAL_ERRORS.get(errcode) or TRANSIENT_ERRORS.get(errcode) or errmsg[:100]
        super().__init__(f"WeChat error {errcode}: {reason}", retry=retry, errcode=errcode)
        self.errcode = errcode


class WeChatClient:
    def __init__(self, account: WeChatAccount, *, http: httpx.Client | None = None) -> None:
        self.account = account
        self._http = http or httpx.Client(timeout=TIMEOUT)
        self._own_http = http is None
        self.base = settings.WECHAT_API_BASE

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> "WeChatClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- Access token -------------------------------------------------------------------

    def access_token(self, *, refresh: bool = False) -> str:
        account = self.account
        if not refresh:
            # Another process may have refreshed it since this object was read.
            account.refresh_from_db(fields=["access_token_encrypted", "access_token_expires_at"])
            token = secretbox.unseal(account.access_token_encrypted)
            expires = account.access_token_expires_at
            if token and expires and expires - REFRESH_MARGIN > timezone.now():
                return token
        return self._fetch_token()

    def _fetch_token(self) -> str:
        secret = secretbox.unseal(self.account.app_secret_encrypted)
        if not secret:
            raise DeliveryFailed(
                "The Official Account has no AppSecret: enter it on the channel's page",
                retry=False,
            )
        data = self._call(
            "GET",
            "/cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": self.account.app_id,
                "secret": secret,
            },
        )
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatApiError(-2, "no access_token in the answer", retry=True)
        expires_in = data.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 7200
        expires_at = timezone.now() + timedelta(seconds=lifetime)
        sealed = secretbox.seal(token)
        WeChatAccount.objects.filter(pk=self.account.pk).update(
            access_token_encrypted=sealed, access_token_expires_at=expires_at
        )
        self.account.access_token_encrypted = sealed
        self.account.access_token_expires_at = expires_at
        log.info("wechat: new access token for channel %s", self.account.channel_id)
        return token

    # --- Customer-service messages --------------------------------------------------------

    def send_text(self, *, openid: str, text: str) -> None:
        self.send({"touser": openid, "msgtype": "text", "text": {"content": text}})

    def send_image(self, *, openid: str, media_id: str) -> None:
        self.send({"touser": openid, "msgtype": "image", "image": {"media_id": media_id}})

    def send_news(self, *, openid: str, article: Mapping[str, str]) -> None:
        item = {k: article.get(k, "") for k in ("title", "description", "url", "picurl")}
        self.send({"touser": openid, "msgtype": "news", "news": {"articles": [item]}})

    def send(self, payload: dict[str, Any]) -> None:
        self._with_token("POST", "/cgi-bin/message/custom/send", payload)

    def _with_token(self, method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        token = self.access_token()
        try:
            return self._call(method, path, params={"access_token": token}, payload=payload)
        except WeChatApiError as error:
            if error.errcode not in TOKEN_REFUSED:
                raise
            log.info(
                "wechat: token refused (%s) for channel %s; fetching a new one",
                error.errcode,
                self.account.channel_id,
            )
        token = self.access_token(refresh=True)
        return self._call(method, path, params={"access_token": token}, payload=payload)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        payload: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # WeChat reads Chinese sent as \\u escapes literally in some APIs: send UTF-8 as is.
        content = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        try:
            response = self._http.request(
                method,
                self.base + path,
                params=params,
                content=content,
                headers={"Content-Type": "application/json; charset=utf-8"} if content else None,
            )
        except httpx.HTTPError as exc:
            log.warning("wechat: %s %s failed: %s", method, path, type(exc).__name__)
            raise DeliveryFailed(f"WeChat did not answer ({type(exc).__name__})") from None
        if response.status_code != 200:
            log.warning("wechat: %s %s answered HTTP %s", method, path, response.status_code)
            raise DeliveryFailed(f"WeChat answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise DeliveryFailed("WeChat's answer is not JSON") from None
        if not isinstance(data, dict):
            raise DeliveryFailed("WeChat's answer is not a JSON object")
        errcode = data.get("errcode", 0)
        if isinstance(errcode, int) and errcode != 0:
            errmsg = str(data.get("errmsg", ""))
            log.warning(
                "wechat: %s %s for channel %s refused: %s %s",
                method,
                path,
                self.account.channel_id,
                errcode,
                errmsg[:100],
            )
            retry = errcode not in FINAL_ERRORS
            raise WeChatApiError(errcode, errmsg, retry=retry)
        return data
