"""The console's widget pages: list, create, snippet, allowed origins, enable/disable, secret."""

import pytest
from django.urls import reverse

from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import Channel
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


def test_an_owner_creates_a_widget_and_sees_its_secret_once_and_the_snippets(cast):
    owner = signed_in(cast.owner)

    created = owner.post(
        reverse("channels:widgets"),
        {"name": "官网", "allowed_origins": "https://www.chayu.example\nhttps://*.chayu.example"},
    )

    assert created.status_code == 200
    channel = Channel.objects.get(workspace=cast.shop, kind="web_widget")
    assert channel.config["allowed_origins"] == [
        "https://www.chayu.example",
        "https://*.chayu.example",
    ]
    page = created.content.decode()
    assert channel.secret in page  # shown this once …
    snippet = (
        f'&lt;script src="http://testserver/static/channels/widget.js" '
        f'data-channel="{channel.public_id}" async&gt;&lt;/script&gt;'
    )
    assert snippet in page
    assert "data-user-hash" in page and "hmac.new" in page and "createHmac" in page

    again = owner.get(reverse("channels:widget", args=[channel.pk]))
    assert again.status_code == 200
    assert channel.secret not in again.content.decode()  # … and not again
    listing = owner.get(reverse("channels:widgets")).content.decode()
    assert "官网" in listing and channel.public_id in listing


def test_bad_input_on_the_create_form_is_explained_and_nothing_is_created(cast):
    owner = signed_in(cast.owner)

    no_name = owner.post(reverse("channels:widgets"), {"name": "", "allowed_origins": ""})
    bad_origin = owner.post(
        reverse("channels:widgets"), {"name": "官网", "allowed_origins": "www.chayu.example/shop"}
    )

    assert no_name.status_code == bad_origin.status_code == 400
    assert "www.chayu.example/shop" in bad_origin.content.decode()
    assert not Channel.objects.exists()


def test_allowed_origins_are_saved_and_bad_ones_shown_with_the_entry(cast):
    channel, _ = channels_services.create_widget_channel(workspace=cast.shop, name="官网")
    owner = signed_in(cast.owner)
    url = reverse("channels:widget_origins", args=[channel.pk])

    saved = owner.post(url, {"allowed_origins": "https://shop.example, http://localhost:3000"})
    refused = owner.post(url, {"allowed_origins": "https://ok.example\njavascript:alert(1)"})

    assert saved.status_code == 302
    assert refused.status_code == 400
    assert "javascript:alert(1)" in refused.content.decode()
    channel.refresh_from_db()
    assert channel.config["allowed_origins"] == ["https://shop.example", "http://localhost:3000"]


def test_a_widget_is_disabled_and_enabled_again(cast):
    channel, _ = channels_services.create_widget_channel(workspace=cast.shop, name="官网")
    owner = signed_in(cast.owner)
    url = reverse("channels:widget_enabled", args=[channel.pk])

    owner.post(url, {"enabled": "0"})
    channel.refresh_from_db()
    assert channel.enabled is False
    owner.post(url, {"enabled": "1"})
    channel.refresh_from_db()
    assert channel.enabled is True


def test_rotating_the_secret_shows_the_new_one_once(cast):
    channel, old = channels_services.create_widget_channel(workspace=cast.shop, name="官网")

    response = signed_in(cast.owner).post(reverse("channels:widget_secret", args=[channel.pk]))

    channel.refresh_from_db()
    assert channel.secret != old and channel.secret.startswith("wsec_")
    assert channel.secret in response.content.decode()


def test_people_who_do_not_manage_the_desk_cannot_open_the_pages(cast):
    channel, _ = channels_services.create_widget_channel(workspace=cast.shop, name="官网")
    for user in (cast.agent, cast.operator, cast.viewer):
        client = signed_in(user)
        assert client.get(reverse("channels:widgets")).status_code == 403
        assert client.get(reverse("channels:widget", args=[channel.pk])).status_code == 403
        assert client.post(reverse("channels:widget_secret", args=[channel.pk])).status_code == 403
    channel.refresh_from_db()
    assert channel.enabled is True


def test_another_workspaces_widget_is_not_found_on_every_page(cast):
    theirs, secret = channels_services.create_widget_channel(
        workspace=cast.other_shop, name="别家官网"
    )
    owner = signed_in(cast.owner)

    pages = [
        ("get", reverse("channels:widget", args=[theirs.pk]), {}),
        ("post", reverse("channels:widget_origins", args=[theirs.pk]), {"allowed_origins": ""}),
        ("post", reverse("channels:widget_enabled", args=[theirs.pk]), {"enabled": "0"}),
        ("post", reverse("channels:widget_secret", args=[theirs.pk]), {}),
    ]
    for method, url, data in pages:
        response = getattr(owner, method)(url, data)
        assert response.status_code == 404, url

    listing = owner.get(reverse("channels:widgets")).content.decode()
    assert theirs.public_id not in listing and "别家官网" not in listing
    theirs.refresh_from_db()
    assert (theirs.enabled, theirs.secret) == (True, secret)


def test_the_api_channel_is_not_a_widget_page(cast):
    api = channels_services.get_or_create_api_channel(workspace=cast.shop)

    assert signed_in(cast.owner).get(reverse("channels:widget", args=[api.pk])).status_code == 404


def test_the_pages_speak_english_too(cast):
    channel, _ = channels_services.create_widget_channel(workspace=cast.shop, name="官网")
    owner = signed_in(cast.owner)
    owner.post("/i18n/setlang/", {"language": "en"})

    listing = owner.get(reverse("channels:widgets")).content.decode()
    detail = owner.get(reverse("channels:widget", args=[channel.pk])).content.decode()

    assert "Web chat" in listing
    assert "Embed code" in detail and "Identify signed-in users" in detail
    assert "网页聊天" not in listing.replace("官网", "")
