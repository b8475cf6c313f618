"""Nothing of another workspace is reachable through a widget: the public id names the channel
and, with it, the workspace; a visitor token is bound to the channel that issued it."""

import pytest

from xiaonuo.channels import services as channels_services
from xiaonuo.channels.tests.conftest import Visitor, Widget
from xiaonuo.desk.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(cast) -> Widget:
    channel, secret = channels_services.create_widget_channel(
        workspace=cast.other_shop, name="别家官网"
    )
    return Widget(channel, secret)


def test_a_token_of_one_workspaces_widget_is_worthless_on_anothers(cast, widget, theirs):
    ours = Visitor(widget)
    ours.write("茶语的私事")

    stolen = Visitor(theirs, token=ours.token)
    for response in (stolen.start(), stolen.read(), stolen.write("冒充")):
        assert (response.status_code, response.json()["code"]) == (401, "visitor_token_invalid")
    assert not Message.objects.filter(workspace=cast.other_shop).exists()


def test_a_token_of_another_widget_of_the_same_workspace_is_refused_too(cast, widget):
    second, _ = channels_services.create_widget_channel(workspace=cast.shop, name="商城 H5")
    ours = Visitor(widget)
    ours.write("官网上问的")

    response = Visitor(Widget(second, ""), token=ours.token).read()

    assert (response.status_code, response.json()["code"]) == (401, "visitor_token_invalid")


def test_the_same_user_id_on_two_workspaces_is_two_people(cast, widget, theirs):
    from xiaonuo.channels.tests.test_widget_identify import signed

    ours = Visitor(widget)
    ours.start(user_id="U1", user_hash=signed(widget.secret, "U1"))
    ours.write("茶语会员 U1 的问题")

    other = Visitor(theirs)
    session = other.start(user_id="U1", user_hash=signed(theirs.secret, "U1")).json()

    assert session["messages"] == []
    other.write("别家会员 U1")
    assert Message.objects.filter(workspace=cast.shop).count() == 1
    assert Message.objects.filter(workspace=cast.other_shop).count() == 1
