"""NPS on a schedule: customers active recently, opted in, not asked this period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.customers import services as customers_services
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.desk.surveys.models import Invitation, InvitationStatus, SkipReason, SurveyKind
from xiaonuo.desk.surveys.tests.helpers import configure
from xiaonuo.testing import make_ticket

pytestmark = pytest.mark.django_db


def customer_with_ticket(workspace, key: str, *, marketing: bool | None = True):
    ticket = make_ticket(workspace=workspace, identities={"external_id": key})
    if marketing is not None:
        customers_services.update_customer(
            workspace=workspace,
            customer_id=ticket.customer_id,
            changes=CustomerChanges(consent={"marketing": marketing}),
        )
    return ticket.customer_id


def test_recently_active_opted_in_customers_get_one_nps_invitation_per_period(cast):
    configure(cast.shop, nps_enabled=True, nps_interval_days=90, nps_active_days=30)
    yes = customer_with_ticket(cast.shop, "yes")
    no = customer_with_ticket(cast.shop, "no", marketing=False)
    unknown = customer_with_ticket(cast.shop, "unknown", marketing=None)
    now = timezone.now()

    first = surveys_services.create_nps_invitations(workspace=cast.shop, now=now)
    again = surveys_services.create_nps_invitations(
        workspace=cast.shop, now=now + timedelta(days=1)
    )

    invitations = {i.customer_id: i for i in Invitation.objects.filter(kind=SurveyKind.NPS)}
    assert (first.ready, first.skipped) == (1, 2)
    assert (again.ready, again.skipped) == (0, 0)  # asked this period already
    assert invitations[yes].status == InvitationStatus.READY
    assert invitations[yes].delivery_note == "no_outbound_path"
    assert invitations[no].skip_reason == SkipReason.NO_CONSENT
    assert invitations[unknown].skip_reason == SkipReason.NO_CONSENT  # NPS needs a yes


def test_after_the_interval_the_customer_is_asked_again(cast):
    configure(cast.shop, nps_enabled=True, nps_interval_days=30, nps_active_days=365)
    customer_with_ticket(cast.shop, "loyal")
    now = timezone.now()
    surveys_services.create_nps_invitations(workspace=cast.shop, now=now)
    Invitation.objects.update(created_at=now - timedelta(days=40))

    later = surveys_services.create_nps_invitations(
        workspace=cast.shop, now=now + timedelta(days=40)
    )

    assert later.ready == 1
    assert Invitation.objects.filter(kind=SurveyKind.NPS).count() == 2


def test_customers_without_recent_activity_and_nps_switched_off_are_not_asked(cast):
    configure(cast.shop, nps_enabled=False)
    customer_with_ticket(cast.shop, "a")
    assert surveys_services.create_nps_invitations(workspace=cast.shop).ready == 0

    configure(cast.shop, nps_enabled=True, nps_active_days=7)
    later = timezone.now() + timedelta(days=8)
    assert surveys_services.create_nps_invitations(workspace=cast.shop, now=later).ready == 0
    assert not Invitation.objects.exists()


def test_the_fatigue_cap_applies_across_csat_and_nps(cast):
    configure(cast.shop, nps_enabled=True, fatigue_cap=1)
    customer = customer_with_ticket(cast.shop, "tired")
    Invitation.objects.create(
        workspace=cast.shop,
        kind=SurveyKind.CSAT,
        customer_id=customer,
        status=InvitationStatus.SENT,
        created_at=timezone.now() - timedelta(days=3),
    )
    surveys_services.create_nps_invitations(workspace=cast.shop)
    nps = Invitation.objects.get(kind=SurveyKind.NPS)
    assert nps.skip_reason == SkipReason.FATIGUE


def test_the_nps_link_goes_out_on_the_customers_latest_solved_conversation(cast):
    from xiaonuo.accounts.services import Actor
    from xiaonuo.desk import services as desk_services
    from xiaonuo.desk.models import Message, Ticket, TicketStatus
    from xiaonuo.testing import receive

    configure(cast.shop, nps_enabled=True, nps_active_days=30)
    got = receive(workspace=cast.shop, identities={"external_id": "fan"}, text="谢谢，已经收到了")
    customers_services.update_customer(
        workspace=cast.shop,
        customer_id=got.ticket.customer_id,
        changes=CustomerChanges(consent={"marketing": True}),
    )
    desk_services.set_ticket_status(
        workspace=cast.shop, ticket_id=got.ticket.pk, status=TicketStatus.SOLVED, actor=Actor()
    )

    summary = surveys_services.create_nps_invitations(workspace=cast.shop)

    invitation = Invitation.objects.get(kind=SurveyKind.NPS)
    assert (summary.sent, invitation.status) == (1, InvitationStatus.SENT)
    sent = Message.objects.get(pk=invitation.message_id)
    assert sent.conversation_id == got.conversation.pk and "0–10" in sent.text
    assert Ticket.objects.get(pk=got.ticket.pk).status == TicketStatus.SOLVED
