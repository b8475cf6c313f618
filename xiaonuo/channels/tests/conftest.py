from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import Channel
from xiaonuo.channels.tests import wiring

SITE = "https://www.chayu.example"


@pytest.fixture(autouse=True)
def _widget_wired_to_the_desk(settings):
    if not wiring.platform_is_wired():
        settings.XIAONUO_LISTENERS_MODULE = "xiaonuo.channels.tests.wiring"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the (process-wide) cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@dataclass
class Widget:
    channel: Channel
    secret: str

    @property
    def url(self) -> str:
        return f"/channels/widget/{self.channel.public_id}/"


@pytest.fixture
def widget(cast) -> Widget:
    channel, secret = channels_services.create_widget_channel(workspace=cast.shop, name="官网")
    return Widget(channel, secret)


class Visitor:
    """A browser on the shop's site: keeps its visitor token as widget.js does."""

    def __init__(self, widget: Widget, *, origin: str = SITE, token: str | None = None) -> None:
        self.widget = widget
        self.origin = origin
        self.token = token
        self.client = Client(REMOTE_ADDR="203.0.113.7")

    def headers(self) -> dict[str, str]:
        headers = {"Origin": self.origin}
        if self.token:
            headers["X-Xiaonuo-Visitor"] = self.token
        return headers

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        data = body if isinstance(body, str | bytes) else ({} if body is None else body)
        return self.client.post(
            self.widget.url + path,
            data,
            content_type="application/json",
            headers=self.headers(),
            **kwargs,
        )

    def get(self, path: str) -> Any:
        return self.client.get(self.widget.url + path, headers=self.headers())

    def start(self, **body: Any) -> Any:
        response = self.post("session/", body)
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def write(self, text: str = "你好，请问乌龙茶什么时候发货？", **body: Any) -> Any:
        if self.token is None:
            self.start()
        return self.post("messages/", {"text": text, **body})

    def read(self, after: int | None = None) -> Any:
        return self.get("messages/" + (f"?after={after}" if after is not None else ""))


@pytest.fixture
def visitor(widget) -> Visitor:
    return Visitor(widget)


# --- WeChat Official Accounts ------------------------------------------------------------------

WECHAT_TOKEN = "chayuToken2026"  # noqa: S105 - test data
WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WECHAT_APP_ID = "wx1234567890abcdef"
WECHAT_APP_SECRET = "0123456789abcdef0123456789abcdef"  # noqa: S105 - test data
WECHAT_ORIGINAL_ID = "gh_chayu0001"


@pytest.fixture
def fake_wechat(settings):
    """WeChat's API servers, stood in by a local HTTP server (``fake_wechat.py``)."""
    from xiaonuo.channels.tests import fake_wechat as stand_in

    fake, server = stand_in.start()
    fake.add_account(WECHAT_APP_ID, WECHAT_APP_SECRET)
    settings.WECHAT_API_BASE = fake.base_url
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def wechat_channel(cast) -> Channel:
    return channels_services.create_wechat_channel(
        workspace=cast.shop,
        name="茶语服务号",
        token=WECHAT_TOKEN,
        encoding_aes_key=WECHAT_AES_KEY,
        app_id=WECHAT_APP_ID,
        app_secret=WECHAT_APP_SECRET,
    )


@pytest.fixture
def wechat(wechat_channel) -> Any:
    from xiaonuo.channels.tests.wechat_server import WeChatServer

    return WeChatServer(wechat_channel)
