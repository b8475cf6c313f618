"""Which sites may embed a widget (CORS), and the rate limits against abuse."""

import pytest

from xiaonuo.channels import services as channels_services
from xiaonuo.channels import widget as channels_widget
from xiaonuo.channels.models import Channel
from xiaonuo.channels.public_views import MESSAGES_PER_VISITOR, SESSIONS_PER_ADDRESS
from xiaonuo.channels.tests.conftest import SITE, Visitor
from xiaonuo.desk.models import Message
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db


def _allow(cast, widget, origins):
    channels_services.set_allowed_origins(
        workspace=cast.shop, channel_id=widget.channel.pk, origins=origins
    )


def test_with_no_list_any_site_may_embed_and_reads_its_own_origin_back(widget):
    response = Visitor(widget, origin="https://anything.example").start()

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://anything.example"
    assert "Origin" in response["Vary"]
    assert response["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Credentials" not in response  # no cookies of ours


def test_a_preflight_names_the_methods_and_the_visitor_header(widget):
    response = Visitor(widget).client.options(
        widget.url + "messages/",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-xiaonuo-visitor",
        },
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert "X-Xiaonuo-Visitor" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0


def test_only_listed_sites_may_embed_a_widget_with_a_list(cast, widget):
    _allow(cast, widget, [SITE, "https://*.chayu.example"])

    assert Visitor(widget, origin=SITE).start().status_code == 200
    assert Visitor(widget, origin="https://m.chayu.example").start().status_code == 200
    for stranger in (
        "https://evil.example",
        "http://www.chayu.example",  # another scheme is another origin
        "https://chayu.example.evil.example",
        "https://xchayu.example",
        "",
    ):
        refused = Visitor(widget, origin=stranger).start()
        assert (refused.status_code, refused.json()["code"]) == (403, "origin_not_allowed")
        assert "Access-Control-Allow-Origin" not in refused
        preflight = Visitor(widget).client.options(
            widget.url + "session/", headers={"Origin": stranger} if stranger else {}
        )
        assert preflight.status_code == 403


def test_a_page_of_a_listed_site_still_writes_after_the_list_changes_to_include_it(cast, widget):
    _allow(cast, widget, ["https://other.example"])
    visitor = Visitor(widget)
    assert visitor.write().status_code == 403

    _allow(cast, widget, ["https://other.example", SITE])
    assert visitor.write().status_code == 201
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "entry",
    [
        "www.chayu.example",  # no scheme
        "ftp://chayu.example",
        "https://chayu.example/shop",  # a path is not an origin
        "https://user@chayu.example",
        "https://chayu.example?x=1",
        "https://",
        "https://bad host.example",
        "https://chayu.example:99999",
        "https://*",
    ],
)
def test_entries_that_are_not_origins_are_refused_naming_the_entry(cast, widget, entry):
    with pytest.raises(ServiceError) as refused:
        _allow(cast, widget, [SITE, entry])

    assert refused.value.code == "allowed_origins_invalid"
    assert refused.value.details["entry"] == entry
    assert Channel.objects.get(pk=widget.channel.pk).config["allowed_origins"] == []


def test_origins_are_normalised_and_deduplicated():
    cleaned = channels_widget.clean_origins(
        ["HTTPS://WWW.Chayu.Example/", "https://www.chayu.example", " http://localhost:8080 ", ""]
    )

    assert cleaned == ["https://www.chayu.example", "http://localhost:8080"]


def test_at_most_twenty_origins(cast, widget):
    with pytest.raises(ServiceError) as refused:
        _allow(cast, widget, [f"https://s{i}.chayu.example" for i in range(21)])
    assert (refused.value.code, refused.value.details["limit"]) == ("allowed_origins_invalid", 20)


def test_a_visitor_writing_too_fast_is_slowed_down_with_retry_after(widget):
    visitor = Visitor(widget)
    visitor.start()
    statuses = [
        visitor.post("messages/", {"text": f"第 {i} 条"}).status_code
        for i in range(MESSAGES_PER_VISITOR.requests)
    ]
    assert statuses == [201] * MESSAGES_PER_VISITOR.requests

    refused = visitor.post("messages/", {"text": "再来一条"})

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert 0 < int(refused["Retry-After"]) <= MESSAGES_PER_VISITOR.per_seconds
    assert refused["Access-Control-Allow-Origin"] == SITE  # the script can read why
    assert Message.objects.count() == MESSAGES_PER_VISITOR.requests


def test_one_address_cannot_mint_visitors_without_end(widget):
    for _ in range(SESSIONS_PER_ADDRESS.requests):
        assert Visitor(widget).start().status_code == 200

    refused = Visitor(widget).start()

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    from_elsewhere = Visitor(widget)
    from_elsewhere.client.defaults["REMOTE_ADDR"] = "198.51.100.9"
    assert from_elsewhere.start().status_code == 200
