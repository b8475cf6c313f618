"""The console shell: dashboard, not-yet-built areas, and the customer timeline."""

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from xiaonuo.console.navigation import AREAS
from xiaonuo.events.models import Event
from xiaonuo.events.storage import EventRecord, insert_events
from xiaonuo.testing import make_customer, signed_in

pytestmark = pytest.mark.django_db
_ids = count(1)


def make_event(*, customer, name: str = "下单", when=None, **properties) -> Event:
    # Through the events writer, which also keeps the dashboard's day counts.
    when = when or timezone.now()
    message_id = f"msg-{next(_ids)}"
    record = EventRecord(
        customer_id=customer.pk,
        type="track",
        name=name,
        properties=properties,
        user_id="",
        anonymous_id="",
        message_id=message_id,
        timestamp=when,
    )
    insert_events(workspace_id=customer.workspace_id, records=[record], received_at=when)
    return Event.objects.get(workspace=customer.workspace, message_id=message_id)


def test_the_dashboard_shows_todays_real_counts(cast):
    chen = make_customer(workspace=cast.shop, name="陈静", lifecycle_stage="loyal")
    make_customer(workspace=cast.other_shop, name="别家的人")
    make_event(customer=chen)
    make_event(customer=chen)
    make_event(customer=chen, when=timezone.now() - timedelta(days=1))
    response = signed_in(cast.viewer).get("/")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts.customers_total, counts.customers_new_today) == (1, 1)
    assert counts.events_today + counts.events_yesterday == 3
    loyal = next(s for s in response.context["stages"] if s.stage == "loyal")
    assert loyal.count == 1
    body = response.content.decode()
    assert 'id="xn-stage-chart-data"' in body  # chart data for ECharts
    assert "<table" in body  # …and the same numbers as a table without JavaScript


def test_an_empty_workspace_gets_an_empty_state_not_a_chart(cast):
    body = signed_in(cast.viewer).get("/").content.decode()
    assert "还没有用户" in body
    assert "xn-stage-chart-data" not in body


def test_the_sidebar_links_every_area(cast):
    body = signed_in(cast.viewer).get("/").content.decode()
    for area in AREAS:
        assert str(area.label) in body
    assert 'href="/area/monitoring/"' in body


def test_an_area_not_built_says_so_plainly_in_chinese_and_english(cast):
    client = signed_in(cast.viewer)
    body = client.get("/area/monitoring/").content.decode()
    assert "还没有建好" in body and "品牌与竞品的声量" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/area/monitoring/"})
    body = client.get("/area/monitoring/").content.decode()
    assert "not built yet" in body and "Brand monitoring" in body


def test_built_and_unknown_areas_have_no_placeholder_page(cast):
    client = signed_in(cast.viewer)
    assert client.get("/area/customers/").status_code == 404
    assert client.get("/area/nope/").status_code == 404


def test_the_timeline_lists_a_customers_events_newest_first_and_pages(cast):
    chen = make_customer(workspace=cast.shop, name="陈静")
    now = timezone.now()
    for i in range(25):
        make_event(customer=chen, name=f"事件{i:02d}", when=now - timedelta(minutes=i))
    client = signed_in(cast.viewer)
    first = client.get(f"/timeline/customers/{chen.pk}/")
    assert first.status_code == 200
    assert [e.name for e in first.context["events"]][:2] == ["事件00", "事件01"]
    assert first.context["has_older"] is True
    second = client.get(f"/timeline/customers/{chen.pk}/?page=2", headers={"HX-Request": "true"})
    assert len(second.context["events"]) == 5
    assert "<html" not in second.content.decode()


def test_the_customer_page_links_to_its_timeline_for_readers_without_javascript(cast):
    chen = make_customer(workspace=cast.shop, name="陈静")
    body = signed_in(cast.viewer).get(f"/customers/{chen.pk}/").content.decode()
    assert f'href="/timeline/customers/{chen.pk}/"' in body


def test_the_language_switch_renders_the_console_in_english(cast):
    client = signed_in(cast.viewer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Overview" in body and "Customers" in body
    assert 'lang="en"' in body


def test_pages_need_a_signed_in_member(cast):
    from django.test import Client

    for path in ("/", "/customers/", "/accounts/settings/", "/area/monitoring/", "/autoreply/"):
        response = Client().get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
