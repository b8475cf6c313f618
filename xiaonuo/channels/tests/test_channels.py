"""Channels: one per way customers reach a workspace; the API channel is found, not chosen."""

import pytest

from xiaonuo.channels import outbound as channels_outbound
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import Channel
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db


def test_a_workspace_has_one_api_channel_however_often_it_is_asked_for(cast):
    first = channels_services.get_or_create_api_channel(workspace=cast.shop)
    again = channels_services.get_or_create_api_channel(workspace=cast.shop)
    via_create = channels_services.create_channel(workspace=cast.shop, kind="api", name="另一个")
    theirs = channels_services.get_or_create_api_channel(workspace=cast.other_shop)

    assert first.pk == again.pk == via_create.pk != theirs.pk
    assert Channel.objects.filter(workspace=cast.shop).count() == 1


def test_widget_channels_get_distinct_unguessable_public_ids(cast):
    a = channels_services.create_channel(workspace=cast.shop, kind="web_widget", name="官网")
    b = channels_services.create_channel(workspace=cast.shop, kind="web_widget", name="小程序 H5")

    assert a.public_id != b.public_id
    assert a.public_id.startswith("ch_") and len(a.public_id) >= 16
    found = channels_selectors.get_channel_by_public_id(public_id=a.public_id)
    assert (found.pk, found.workspace) == (a.pk, cast.shop)


@pytest.mark.parametrize(
    ("kind", "name", "code"),
    [
        ("fax", "传真", "channel_kind_invalid"),
        ("web_widget", "  ", "channel_name_invalid"),
        ("web_widget", "名" * 101, "channel_name_invalid"),
    ],
)
def test_bad_channels_are_refused(cast, kind, name, code):
    with pytest.raises(ServiceError) as refused:
        channels_services.create_channel(workspace=cast.shop, kind=kind, name=name)
    assert refused.value.code == code
    assert not Channel.objects.exists()


def test_another_workspaces_channel_is_not_found(cast):
    theirs = channels_services.create_channel(
        workspace=cast.other_shop, kind="web_widget", name="别家官网"
    )
    for call in (
        lambda: channels_selectors.get_channel(workspace=cast.shop, channel_id=theirs.pk),
        lambda: channels_services.set_channel_enabled(
            workspace=cast.shop, channel_id=theirs.pk, enabled=False
        ),
        lambda: channels_services.rename_channel(
            workspace=cast.shop, channel_id=theirs.pk, name="改名"
        ),
    ):
        with pytest.raises(ServiceError) as refused:
            call()
        assert (refused.value.code, refused.value.status) == ("channel_not_found", 404)
    assert Channel.objects.get(pk=theirs.pk).enabled is True


def test_widget_and_api_replies_are_stored_and_others_are_pushed(cast):
    kinds = {
        kind: channels_outbound.requires_push(Channel(workspace=cast.shop, kind=kind, name=kind))
        for kind in ("web_widget", "api", "wechat_oa", "qq")
    }
    assert kinds == {"web_widget": False, "api": False, "wechat_oa": True, "qq": True}


def test_pushing_through_a_kind_with_no_sender_installed_fails_without_retrying(cast):
    channel = channels_services.create_channel(workspace=cast.shop, kind="wecom", name="企微")
    message = channels_outbound.OutboundMessage(
        message_id=1, conversation_id=1, text="您好", recipient={}
    )

    with pytest.raises(channels_outbound.DeliveryFailed) as failed:
        channels_outbound.push(channel=channel, message=message)

    assert failed.value.retry is False
