import io
from datetime import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from xiaonuo.accounts.models import ApiKey, Membership
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.demo import services as demo_services
from xiaonuo.desk.models import Complaint, Message, Ticket
from xiaonuo.events.models import Event

pytestmark = pytest.mark.django_db
# The demo's own clock stops at midnight today (Shanghai); anything later happened live.
LIVE_FROM = datetime.combine(
    timezone.localdate(), datetime.min.time(), tzinfo=demo_services.SHANGHAI
)


def make_demo(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "demo",
        *("--customers", "60", "--events", "1500"),
        *("--tickets", "80", "--messages", "1200", "--agents", "4"),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def snapshot() -> tuple[list, list, list, tuple]:
    customers = list(
        Customer.objects.order_by("id").values_list(
            "name", "gender", "city", "lifecycle_stage", "is_seed", "attributes", "consent"
        )
    )
    identities = list(Identity.objects.order_by("id").values_list("kind", "value"))
    events = list(
        Event.objects.order_by("message_id").values_list(
            "message_id", "name", "properties", "timestamp"
        )
    )
    desk = (
        list(Ticket.objects.order_by("id").values_list("subject", "status", "priority")),
        # Followers' questions to the bot went through the live path, stamped as they came.
        [
            (kind, text, at if at < LIVE_FROM else None)
            for kind, text, at in Message.objects.order_by("id").values_list(
                "kind", "text", "created_at"
            )
        ],
        list(Complaint.objects.order_by("id").values_list("category", "severity", "status")),
    )
    return customers, identities, events, desk


def test_the_demo_creates_members_events_and_the_demo_sign_in():
    output = make_demo()

    assert "chaxiaoman" in output and "demo / xiaonuo-demo" in output and "API key:  xn_" in output
    assert Customer.objects.count() == 60
    assert Event.objects.count() > 1000
    owner = authenticate(username="demo", password=demo_services.PASSWORD)
    assert owner is not None
    assert Membership.objects.get(user=owner).role == "owner"
    assert ApiKey.objects.filter(workspace__slug="chaxiaoman").count() == 1
    phones = Identity.objects.filter(kind="phone").values_list("value", flat=True)
    assert all(len(p) == 11 and p[0] == "1" and p[1] in "3456789" for p in phones)


def test_the_same_seed_gives_the_same_data(django_db_reset_sequences):
    make_demo("--seed", "7")
    first = snapshot()
    Event.objects.all().delete()
    Customer.objects.all().delete()
    from xiaonuo.accounts.models import User, Workspace

    Workspace.objects.all().delete()
    User.objects.all().delete()

    make_demo("--seed", "7")

    assert snapshot() == first


def test_a_different_seed_gives_different_people():
    make_demo("--seed", "1")
    names = sorted(Customer.objects.values_list("name", flat=True))
    Customer.objects.all().delete()
    from xiaonuo.accounts.models import User, Workspace

    Workspace.objects.all().delete()
    User.objects.all().delete()

    make_demo("--seed", "2")

    assert sorted(Customer.objects.values_list("name", flat=True)) != names


def test_if_empty_leaves_an_existing_demo_alone():
    make_demo()
    count = Event.objects.count()

    output = make_demo("--if-empty")

    assert "already there" in output
    assert Event.objects.count() == count


def test_a_demo_that_fails_half_way_leaves_nothing_behind(monkeypatch):
    def broken(**_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_services.bulk, "bulk_load_events", broken)

    with pytest.raises(RuntimeError):
        make_demo()

    from xiaonuo.accounts.models import User, Workspace

    assert not Workspace.objects.filter(slug="chaxiaoman").exists()
    assert not User.objects.filter(username="demo").exists()
    assert Customer.objects.count() == 0
    assert not User.objects.filter(username__startswith="kefu-").exists()


def test_demo_members_are_first_known_when_they_joined_not_when_the_demo_was_loaded():
    make_demo()

    for customer in Customer.objects.all():
        assert customer.created_at.date().isoformat() == customer.attributes["member_since"]
