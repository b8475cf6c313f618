"""Every inbound text is enriched in a job; the automatic-complaint rule opens a complaint once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.desk.models import Complaint
from xiaonuo.feedback import enrichment, services
from xiaonuo.feedback.models import AutoComplaint, Enrichment, Mention, Review, SourceKind
from xiaonuo.feedback.tests.helpers import SERVICE_BAD, add_reviews
from xiaonuo.testing import make_customer, make_ticket, receive

pytestmark = pytest.mark.django_db


def test_a_customers_message_is_enriched_on_arrival(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received = receive(workspace=cast.shop, text="外卖送得太慢了，奶茶都凉了")
    found = Enrichment.objects.get(source_kind=SourceKind.MESSAGE, source_id=received.message.pk)
    assert found.workspace_id == cast.shop.pk and found.sentiment == "negative"
    assert any(a["aspect"] == "logistics" for a in found.aspects)
    assert Mention.objects.filter(source_kind=SourceKind.MESSAGE, axis="service").exists()
    # Twice is harmless.
    assert enrichment.enrich_messages(message_ids=[received.message.pk]) == 0
    assert Enrichment.objects.count() == 1


def test_staff_replies_and_notes_are_not_enriched(cast, django_capture_on_commit_callbacks):
    from xiaonuo.accounts.services import Actor
    from xiaonuo.desk import services as desk_services

    received = receive(workspace=cast.shop, text="你好")
    with django_capture_on_commit_callbacks(execute=True):
        desk_services.add_note(
            workspace=cast.shop,
            ticket_id=received.ticket.pk,
            text="这个客户态度很差",
            actor=Actor(user=cast.agent),
        )
    assert not Enrichment.objects.exclude(source_id=received.message.pk).exists()


def test_the_catch_up_job_enriches_what_was_missed(cast):
    received = receive(workspace=cast.shop, text="服务员很热情")  # callbacks not run: "lost"
    ids = add_reviews(cast.shop, [{"text": "味道不错"}], enrich=False)
    assert enrichment.catch_up() == 2
    assert Review.objects.get(pk=ids[0]).enriched_at is not None
    assert Enrichment.objects.filter(source_id=received.message.pk).exists()
    assert enrichment.catch_up() == 0


def _rule_on(workspace, **over):
    services.update_settings(
        workspace=workspace,
        auto_complaint=True,
        aspects=over.get("aspects", ["service"]),
        repeat_only=over.get("repeat_only", True),
        alert_min_count=5,
        alert_mad_k=3,
    )


def test_the_rule_opens_a_complaint_for_a_repeat_customers_negative_service_message(
    cast, django_capture_on_commit_callbacks
):
    _rule_on(cast.shop)
    customer = make_customer(workspace=cast.shop, phone="13900139000")
    earlier = make_ticket(workspace=cast.shop, status="closed", identities={"phone": "13900139000"})
    assert earlier.customer_id == customer.pk
    with django_capture_on_commit_callbacks(execute=True):
        received = receive(
            workspace=cast.shop, text=SERVICE_BAD, identities={"phone": "13900139000"}
        )
    complaint = Complaint.objects.get(workspace=cast.shop)
    assert complaint.customer_id == customer.pk and complaint.category == "service_attitude"
    assert complaint.ticket_id == received.ticket.pk != earlier.pk
    # The job delivered twice opens nothing more.
    Enrichment.objects.all().delete()
    enrichment.enrich_messages(message_ids=[received.message.pk])
    assert Complaint.objects.count() == 1 and AutoComplaint.objects.count() == 1


def test_the_rule_leaves_first_time_customers_and_other_aspects_alone(
    cast, django_capture_on_commit_callbacks
):
    _rule_on(cast.shop)
    with django_capture_on_commit_callbacks(execute=True):
        receive(workspace=cast.shop, text=SERVICE_BAD, identities={"phone": "13700137000"})
        receive(workspace=cast.shop, text="奶茶太难喝了", identities={"phone": "13700137000"})
    assert not Complaint.objects.exists()


def test_the_rule_is_off_by_default_and_per_workspace(cast, django_capture_on_commit_callbacks):
    _rule_on(cast.other_shop, repeat_only=False)
    with django_capture_on_commit_callbacks(execute=True):
        receive(workspace=cast.shop, text=SERVICE_BAD, identities={"phone": "13700137001"})
    assert not Complaint.objects.exists()


def test_a_linked_review_can_open_a_complaint(cast):
    _rule_on(cast.shop, repeat_only=False, aspects=[])
    customer = make_customer(workspace=cast.shop, phone="13600136000")
    add_reviews(cast.shop, [{"text": SERVICE_BAD, "author_handle": "13600136000"}])
    assert Complaint.objects.get().customer_id == customer.pk


def test_a_survey_comment_is_enriched(cast, django_capture_on_commit_callbacks):
    from xiaonuo.desk.surveys.models import Invitation, Response

    customer = make_customer(workspace=cast.shop)
    invitation = Invitation.objects.create(
        workspace=cast.shop,
        customer=customer,
        kind="csat",
        status="answered",
        created_at=timezone.now(),
    )
    response = Response.objects.create(
        workspace=cast.shop,
        invitation=invitation,
        score=1,
        comment="客服态度太差了",
        created_at=timezone.now(),
    )
    assert enrichment.enrich_survey_responses(response_ids=[response.pk]) == 1
    found = Enrichment.objects.get(source_kind=SourceKind.SURVEY)
    assert found.customer_id == customer.pk and found.sentiment == "negative"
    assert enrichment.catch_up(since=timezone.now() - timedelta(days=1)) == 0


def test_a_merge_moves_reviews_and_enrichments_to_the_survivor(cast):
    from xiaonuo.accounts.services import Actor
    from xiaonuo.customers import services as customers_services

    survivor = make_customer(workspace=cast.shop, phone="13500135000")
    merged = make_customer(workspace=cast.shop, phone="13500135001")
    [review_id] = add_reviews(cast.shop, [{"text": SERVICE_BAD, "author_handle": "13500135001"}])
    Enrichment.objects.create(
        workspace=cast.shop,
        source_kind=SourceKind.SURVEY,
        source_id=999,
        customer_id=merged.pk,
        occurred_at=timezone.now(),
        sentiment="negative",
        score=0.1,
        enriched_at=timezone.now(),
    )
    customers_services.merge_customers(
        workspace=cast.shop,
        survivor_id=survivor.pk,
        merged_id=merged.pk,
        actor=Actor(user=cast.owner),
    )
    assert Review.objects.get(pk=review_id).customer_id == survivor.pk
    assert Enrichment.objects.get(source_id=999).customer_id == survivor.pk


def test_an_erasure_removes_the_persons_reviews_and_what_was_derived(
    cast, django_capture_on_commit_callbacks
):
    from xiaonuo.accounts.services import Actor
    from xiaonuo.customers import services as customers_services

    customer = make_customer(workspace=cast.shop, phone="13400134000")
    add_reviews(cast.shop, [{"text": SERVICE_BAD, "author_handle": "13400134000"}])
    other = add_reviews(cast.shop, [{"text": SERVICE_BAD, "author_name": "路人"}])
    with django_capture_on_commit_callbacks(execute=True):
        receive(workspace=cast.shop, text="奶茶太难喝了", identities={"phone": "13400134000"})
    assert Enrichment.objects.filter(customer_id=customer.pk).exists()
    customers_services.erase_customer(
        workspace=cast.shop, customer_id=customer.pk, actor=Actor(user=cast.owner)
    )
    assert list(Review.objects.values_list("pk", flat=True)) == other
    assert not Enrichment.objects.exists()
    assert set(Mention.objects.values_list("source_kind", "source_id")) == {
        (SourceKind.REVIEW, other[0])
    }
    # The quadrant's rollup forgets them too.
    from xiaonuo.feedback.selectors import QuadrantFilters, get_quadrant

    sources = (SourceKind.REVIEW, SourceKind.MESSAGE)
    found = get_quadrant(workspace=cast.shop, filters=QuadrantFilters(sources=sources))
    assert found.overall.service.negative == 1 and found.overall.product.mentions == 0
