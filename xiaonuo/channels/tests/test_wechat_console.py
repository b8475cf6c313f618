"""The console's WeChat pages and ``xiaonuo channel create wechat``: create, callback URL, token,
AppSecret never shown again and stored encrypted, enable/disable, permissions and tenancy."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import Channel, WeChatAccount
from xiaonuo.channels.tests.conftest import (
    WECHAT_AES_KEY,
    WECHAT_APP_ID,
    WECHAT_APP_SECRET,
    WECHAT_TOKEN,
)
from xiaonuo.channels.wechat import secretbox
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db

FORM = {
    "name": "茶语服务号",
    "app_id": WECHAT_APP_ID,
    "token": WECHAT_TOKEN,
    "encoding_aes_key": WECHAT_AES_KEY,
    "app_secret": WECHAT_APP_SECRET,
}


def test_an_owner_connects_an_account_and_sees_the_callback_url_and_token(cast, settings):
    settings.SITE_URL = "https://xiaonuo.chayu.example"
    owner = signed_in(cast.owner)

    created = owner.post(reverse("channels:wechat_accounts"), FORM, follow=True)

    assert created.status_code == 200
    channel = Channel.objects.get(workspace=cast.shop, kind="wechat_oa")
    page = created.content.decode()
    url = f"https://xiaonuo.chayu.example/channels/wechat/{channel.public_id}/"
    assert url in page and WECHAT_TOKEN in page
    assert WECHAT_APP_SECRET not in page and WECHAT_AES_KEY not in page
    account = WeChatAccount.objects.get(channel=channel)
    assert WECHAT_APP_SECRET not in account.app_secret_encrypted
    assert secretbox.unseal(account.app_secret_encrypted) == WECHAT_APP_SECRET
    listing = owner.get(reverse("channels:wechat_accounts")).content.decode()
    assert "茶语服务号" in listing and url in listing and WECHAT_APP_SECRET not in listing


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("token", "a b", "Token 需要 3 到 32 个英文字母或数字"),
        ("encoding_aes_key", "short", "EncodingAESKey 需要 43 个字符"),
        ("app_id", "gh_123", "AppID 以 wx 开头"),
        ("app_secret", "tooshort", "AppSecret 需要 32 个英文字母或数字"),
    ],
)
def test_bad_input_is_explained_nothing_is_created_and_the_secret_not_echoed(
    cast, field, value, shown
):
    owner = signed_in(cast.owner)

    response = owner.post(reverse("channels:wechat_accounts"), {**FORM, field: value})

    assert response.status_code == 400
    page = response.content.decode()
    assert shown in page
    assert WECHAT_APP_SECRET not in page
    assert not Channel.objects.exists()


def test_the_same_account_twice_in_one_workspace_is_refused(cast, wechat_channel):
    response = signed_in(cast.owner).post(reverse("channels:wechat_accounts"), FORM)
    assert response.status_code == 400
    assert "这个工作区已经接入了该公众号" in response.content.decode()


def test_a_new_app_secret_is_saved_encrypted_and_never_shown(cast, wechat_channel):
    owner = signed_in(cast.owner)
    url = reverse("channels:wechat_account_secret", args=[wechat_channel.pk])

    bad = owner.post(url, {"app_secret": "nope"})
    good = owner.post(url, {"app_secret": "b" * 32}, follow=True)

    assert bad.status_code == 400
    assert good.status_code == 200 and "b" * 32 not in good.content.decode()
    account = WeChatAccount.objects.get(channel=wechat_channel)
    assert secretbox.unseal(account.app_secret_encrypted) == "b" * 32


def test_enable_and_disable(cast, wechat_channel):
    owner = signed_in(cast.owner)
    url = reverse("channels:wechat_account_enabled", args=[wechat_channel.pk])

    owner.post(url, {"enabled": "0"})
    wechat_channel.refresh_from_db()
    assert wechat_channel.enabled is False
    owner.post(url, {"enabled": "1"})
    wechat_channel.refresh_from_db()
    assert wechat_channel.enabled is True


def test_the_widget_and_wechat_pages_link_to_each_other(cast):
    owner = signed_in(cast.owner)
    widgets = owner.get(reverse("channels:widgets")).content.decode()
    accounts = owner.get(reverse("channels:wechat_accounts")).content.decode()
    assert reverse("channels:wechat_accounts") in widgets
    assert reverse("channels:widgets") in accounts


def test_people_who_do_not_manage_the_desk_cannot_open_the_pages(cast, wechat_channel):
    for user in (cast.agent, cast.operator, cast.viewer):
        client = signed_in(user)
        assert client.get(reverse("channels:wechat_accounts")).status_code == 403
        assert client.post(reverse("channels:wechat_accounts"), FORM).status_code == 403
        pk = wechat_channel.pk
        assert client.get(reverse("channels:wechat_account", args=[pk])).status_code == 403
        assert (
            client.post(
                reverse("channels:wechat_account_enabled", args=[pk]), {"enabled": "0"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("channels:wechat_account_secret", args=[pk]), {"app_secret": "c" * 32}
            ).status_code
            == 403
        )
    wechat_channel.refresh_from_db()
    assert wechat_channel.enabled is True
    account = WeChatAccount.objects.get(channel=wechat_channel)
    assert secretbox.unseal(account.app_secret_encrypted) == WECHAT_APP_SECRET


def test_another_workspaces_account_is_not_found_on_every_page(cast, wechat_channel):
    theirs = signed_in(cast.other_owner)
    pk = wechat_channel.pk

    assert theirs.get(reverse("channels:wechat_account", args=[pk])).status_code == 404
    assert (
        theirs.post(
            reverse("channels:wechat_account_enabled", args=[pk]), {"enabled": "0"}
        ).status_code
        == 404
    )
    assert (
        theirs.post(
            reverse("channels:wechat_account_secret", args=[pk]), {"app_secret": "d" * 32}
        ).status_code
        == 404
    )
    listing = theirs.get(reverse("channels:wechat_accounts")).content.decode()
    assert "茶语服务号" not in listing and wechat_channel.public_id not in listing
    wechat_channel.refresh_from_db()
    assert wechat_channel.enabled is True
    account = WeChatAccount.objects.get(channel=wechat_channel)
    assert secretbox.unseal(account.app_secret_encrypted) == WECHAT_APP_SECRET
    # The same AppID may be connected by another workspace without learning ours exists.
    channels_services.create_wechat_channel(
        workspace=cast.other_shop,
        name="别家",
        token="other123",
        encoding_aes_key=WECHAT_AES_KEY,
        app_id=WECHAT_APP_ID,
    )


# --- The command --------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("channel", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_channel_create_wechat_prints_the_callback_url(cast, settings):
    settings.SITE_URL = "https://xn.example"
    out, err = run(
        "create",
        "wechat",
        "--workspace",
        "chayu",
        "--token",
        WECHAT_TOKEN,
        "--encoding-aes-key",
        WECHAT_AES_KEY,
        "--app-id",
        WECHAT_APP_ID,
        "--app-secret",
        WECHAT_APP_SECRET,
        "--name",
        "茶语服务号",
    )

    channel = Channel.objects.get(workspace=cast.shop, kind="wechat_oa")
    assert out.strip() == f"https://xn.example/channels/wechat/{channel.public_id}/"
    assert WECHAT_APP_SECRET not in out + err
    assert channel.name == "茶语服务号"
    listed, _ = run("list", "--workspace", "chayu")
    assert channel.public_id in listed and "wechat_oa" in listed


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--token", "ab", "--token"),
        ("--encoding-aes-key", WECHAT_AES_KEY[:-1], "--encoding-aes-key"),
        ("--app-id", "123", "--app-id"),
        ("--app-secret", "short", "--app-secret"),
    ],
)
def test_channel_create_wechat_names_the_bad_option(cast, option, value, named):
    args = {
        "--token": WECHAT_TOKEN,
        "--encoding-aes-key": WECHAT_AES_KEY,
        "--app-id": WECHAT_APP_ID,
        option: value,
    }
    flat = [item for pair in args.items() for item in pair]
    with pytest.raises(CommandError) as refused:
        run("create", "wechat", "--workspace", "chayu", *flat)
    assert str(refused.value).startswith(named)
    assert not Channel.objects.exists()


def test_channel_create_wechat_for_an_unknown_workspace(db):
    with pytest.raises(CommandError, match="Unknown workspace 'nope'"):
        run(
            "create",
            "wechat",
            "--workspace",
            "nope",
            "--token",
            WECHAT_TOKEN,
            "--encoding-aes-key",
            WECHAT_AES_KEY,
            "--app-id",
            WECHAT_APP_ID,
        )
