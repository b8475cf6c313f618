"""CSAT after a solved ticket: delay, sampling, the fatigue cap, consent, one per ticket."""

from datetime import timedelta

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import AuthorKind, Message, MessageKind, Ticket
from xiaonuo.desk.surveys import links
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.desk.surveys.models import (
    Invitation,
    InvitationStatus,
    SkipReason,
    SurveyKind,
    SurveySettings,
)
from xiaonuo.desk.surveys.services.invitations import in_sample
from xiaonuo.desk.surveys.tests.helpers import (
    after_delay,
    configure,
    csat_invitation,
    solved_ticket,
)
from xiaonuo.testing import make_customer

pytestmark = pytest.mark.django_db


def test_a_solved_ticket_gets_one_neutral_survey_message_on_its_conversation_after_the_delay(cast):
    # Given 茶语 asks an hour after a ticket is solved, and 李客服 solved one
    configure(cast.shop, csat_delay_minutes=60)
    ticket = solved_ticket(cast.shop, assignee=cast.agent)

    # When the job runs before the hour is up, nothing is sent
    early = surveys_services.create_csat_invitations(
        workspace=cast.shop, now=after_delay(ticket, minutes=59)
    )
    assert (early.sent, early.ready, early.skipped) == (0, 0, 0)
    assert not Invitation.objects.filter(ticket=ticket).exists()

    # When it runs after the hour
    summary = surveys_services.create_csat_invitations(
        workspace=cast.shop, now=after_delay(ticket, minutes=61)
    )

    # Then one invitation went out as a message on the ticket's conversation, by Xiaonuo
    assert (summary.sent, summary.ready, summary.skipped) == (1, 0, 0)
    invitation = Invitation.objects.get(ticket=ticket)
    assert invitation.status == InvitationStatus.SENT
    assert (invitation.agent_id, invitation.channel_id) == (cast.agent.pk, ticket.channel_id)
    message = Message.objects.get(pk=invitation.message_id)
    assert (message.kind, message.author_kind, message.conversation_id) == (
        MessageKind.OUTBOUND,
        AuthorKind.SYSTEM,
        ticket.conversation_id,
    )
    assert message.text.startswith("您对本次服务的评价是？")
    token = message.text.rsplit("/r/", 1)[1].rstrip("/")
    assert links.read_token(token) == (cast.shop.pk, invitation.pk)
    assert "满意吗" not in message.text and "好评" not in message.text  # no leading question
    # The ticket stays solved
    assert Ticket.objects.get(pk=ticket.pk).status == "solved"


def test_running_the_job_twice_or_over_the_same_window_makes_one_invitation_per_ticket(cast):
    configure(cast.shop)
    tickets = [solved_ticket(cast.shop) for _ in range(3)]
    now = after_delay(tickets[-1])

    first = surveys_services.create_csat_invitations(workspace=cast.shop, now=now)
    # The watermark moved on; an explicit rerun over the same window (the settings reset as if
    # the first run's commit had been lost to the next) finds the decisions already made.
    SurveySettings.objects.filter(workspace=cast.shop).update(csat_checked_until=None)
    second = surveys_services.create_csat_invitations(workspace=cast.shop, now=now)
    third = surveys_services.create_csat_invitations(workspace=cast.shop, now=now)

    assert first.sent == 3
    assert (second.sent, second.skipped, third.sent) == (0, 0, 0)
    assert Invitation.objects.filter(kind=SurveyKind.CSAT).count() == 3
    assert Message.objects.filter(author_kind=AuthorKind.SYSTEM).count() == 3


def test_the_unique_constraint_refuses_a_second_csat_invitation_for_a_ticket(cast):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    configure(cast.shop)
    ticket = solved_ticket(cast.shop)
    invitation = csat_invitation(cast.shop, ticket)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            workspace=cast.shop,
            kind=SurveyKind.CSAT,
            customer_id=invitation.customer_id,
            ticket=ticket,
            status=InvitationStatus.READY,
            created_at=timezone.now(),
        )


def test_a_ticket_reopened_within_the_delay_is_not_asked_until_solved_again(cast):
    configure(cast.shop)
    ticket = solved_ticket(cast.shop)
    first_solve = ticket.solved_at
    desk_services.set_ticket_status(
        workspace=cast.shop, ticket_id=ticket.pk, status="open", actor=Actor(user=cast.owner)
    )
    surveys_services.create_csat_invitations(
        workspace=cast.shop, now=first_solve + timedelta(minutes=61)
    )
    assert not Invitation.objects.filter(ticket=ticket).exists()

    desk_services.set_ticket_status(
        workspace=cast.shop, ticket_id=ticket.pk, status="solved", actor=Actor(user=cast.owner)
    )
    ticket.refresh_from_db()
    surveys_services.create_csat_invitations(workspace=cast.shop, now=after_delay(ticket))
    assert Invitation.objects.get(ticket=ticket).status == InvitationStatus.SENT


def test_sampling_is_deterministic_per_ticket_and_close_to_the_rate():
    keys = [f"csat:{n}" for n in range(2000)]
    chosen = [k for k in keys if in_sample(k, 30)]
    assert chosen == [k for k in keys if in_sample(k, 30)]  # the same on every run
    assert 500 <= len(chosen) <= 700  # ≈ 30 %
    assert all(in_sample(k, 100) for k in keys)
    assert not any(in_sample(k, 0) for k in keys)


def test_tickets_outside_the_sample_are_recorded_as_skipped_and_never_asked_later(cast):
    configure(cast.shop, csat_sample_percent=0)
    ticket = solved_ticket(cast.shop)
    invitation = csat_invitation(cast.shop, ticket)
    assert (invitation.status, invitation.skip_reason) == (
        InvitationStatus.SKIPPED,
        SkipReason.SAMPLED_OUT,
    )
    assert invitation.message_id is None and invitation.expires_at is None

    # Raising the rate later does not revisit the decision
    configure(cast.shop, csat_sample_percent=100)
    SurveySettings.objects.filter(workspace=cast.shop).update(csat_checked_until=None)
    surveys_services.create_csat_invitations(workspace=cast.shop, now=after_delay(ticket))
    assert Invitation.objects.filter(ticket=ticket).count() == 1
    assert not Message.objects.filter(author_kind=AuthorKind.SYSTEM).exists()


def test_the_fatigue_cap_counts_a_customers_invitations_in_30_days(cast):
    # Given one customer with three tickets solved (three threads) and a cap of two per 30 days
    configure(cast.shop, fatigue_cap=2)
    person = {"external_id": "u-1"}
    tickets = [
        solved_ticket(cast.shop, identities=person, start_new=True, text=f"问题 {n}")
        for n in range(3)
    ]
    assert len({t.customer_id for t in tickets}) == 1

    # When the job runs
    now = after_delay(tickets[-1])
    summary = surveys_services.create_csat_invitations(workspace=cast.shop, now=now)

    # Then the first two are asked and the third is skipped for fatigue
    reasons = [Invitation.objects.get(ticket=t).skip_reason for t in tickets]
    assert reasons == [SkipReason.NONE, SkipReason.NONE, SkipReason.FATIGUE]
    assert summary.sent == 2

    # And once those invitations are more than 30 days old, a new ticket of theirs is asked
    Invitation.objects.filter(ticket__in=tickets).update(created_at=now - timedelta(days=31))
    later = solved_ticket(cast.shop, identities=person, start_new=True, text="一个月后")
    surveys_services.create_csat_invitations(workspace=cast.shop, now=after_delay(later))
    assert Invitation.objects.get(ticket=later).status == InvitationStatus.SENT


def test_a_customer_who_said_no_to_marketing_messages_is_not_asked(cast):
    configure(cast.shop)
    customer = make_customer(workspace=cast.shop, identities={"external_id": "no-thanks"})
    customers_services.update_customer(
        workspace=cast.shop,
        customer_id=customer.pk,
        changes=CustomerChanges(consent={"marketing": False}),
    )
    ticket = solved_ticket(cast.shop, identities={"external_id": "no-thanks"})

    invitation = csat_invitation(cast.shop, ticket)

    assert (invitation.status, invitation.skip_reason) == (
        InvitationStatus.SKIPPED,
        SkipReason.NO_CONSENT,
    )
    assert not Message.objects.filter(author_kind=AuthorKind.SYSTEM).exists()


def test_csat_switched_off_sends_nothing_and_does_not_build_a_backlog(cast):
    configure(cast.shop, csat_enabled=False)
    ticket = solved_ticket(cast.shop)
    surveys_services.create_csat_invitations(workspace=cast.shop, now=after_delay(ticket))
    configure(cast.shop, csat_enabled=True)
    surveys_services.create_csat_invitations(workspace=cast.shop, now=after_delay(ticket, 62))
    assert not Invitation.objects.filter(ticket=ticket).exists()


def test_a_ticket_without_a_conversation_keeps_its_invitation_ready_to_send(cast):
    configure(cast.shop)
    customer = make_customer(workspace=cast.shop)
    ticket = desk_services.open_ticket(
        workspace=cast.shop, customer_id=customer.pk, actor=Actor(user=cast.owner), subject="电话"
    )
    desk_services.set_ticket_status(
        workspace=cast.shop, ticket_id=ticket.pk, status="solved", actor=Actor(user=cast.owner)
    )
    ticket.refresh_from_db()

    invitation = csat_invitation(cast.shop, ticket)

    assert (invitation.status, invitation.delivery_note) == (
        InvitationStatus.READY,
        "ticket_has_no_conversation",
    )
    assert invitation.expires_at is not None


def test_one_workspaces_job_never_touches_another_workspaces_tickets(cast):
    configure(cast.shop)
    configure(cast.other_shop)
    ours = solved_ticket(cast.shop)
    theirs = solved_ticket(cast.other_shop)
    surveys_services.create_csat_invitations(workspace=cast.shop, now=after_delay(theirs))
    assert Invitation.objects.filter(ticket=ours).exists()
    assert not Invitation.objects.filter(ticket=theirs).exists()
