"""Survey links without sign-in: signed, single use, expiring; answers checked before storing."""

import threading
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.utils import timezone

from xiaonuo.desk.surveys import links
from xiaonuo.desk.surveys.models import Invitation, InvitationStatus, Response
from xiaonuo.desk.surveys.tests.helpers import answer, configure, csat_invitation, solved_ticket
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(cast):
    configure(cast.shop)
    return csat_invitation(cast.shop, solved_ticket(cast.shop, assignee=cast.agent))


def refused(token, **kwargs):
    with pytest.raises(ServiceError) as caught:
        answer(token, **kwargs)
    return caught.value


def test_an_answer_is_stored_once_and_the_link_is_used_up(invitation):
    token = links.make_token(invitation)

    response = answer(token, score=4, comment="挺好")

    assert (response.score, response.comment) == (4, "挺好")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    error = refused(token, score=5)
    assert (error.code, error.status) == ("survey_already_answered", 409)
    assert Response.objects.get().score == 4  # the second answer changed nothing


def test_a_forged_or_altered_token_is_refused_before_the_database_is_asked(invitation):
    token = links.make_token(invitation)
    forged = signing.dumps([invitation.workspace_id, invitation.pk], salt="someone-else")
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, altered, "", "x" * 500, "not-a-token", "WzEsMV0:abc:def"):
        error = refused(bad, score=5)
        assert (error.code, error.status) == ("survey_link_invalid", 404)
    assert not Response.objects.exists()


def test_a_token_naming_another_workspace_opens_nothing(cast, invitation):
    # A token we signed, but for the invitation's id under 别家's workspace: no such invitation
    crossed = signing.dumps([cast.other_shop.pk, invitation.pk], salt="xiaonuo.desk.surveys.link")
    error = refused(crossed, score=5)
    assert (error.code, error.status) == ("survey_link_invalid", 404)


def test_a_link_past_its_validity_is_refused_as_expired(invitation):
    token = links.make_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    error = refused(token, score=5)

    assert (error.code, error.status) == ("survey_link_expired", 410)
    assert not Response.objects.exists()


def test_a_signature_older_than_the_longest_validity_is_expired_whatever_the_row_says(
    invitation, monkeypatch
):
    token = links.make_token(invitation)
    later = timezone.now().timestamp() + 32 * 86400
    monkeypatch.setattr("time.time", lambda: later)
    error = refused(token, score=5)
    assert (error.code, error.status) == ("survey_link_expired", 410)


def test_skipped_invitations_have_no_working_link(cast):
    configure(cast.shop, csat_sample_percent=0)
    skipped = csat_invitation(cast.shop, solved_ticket(cast.shop))
    error = refused(links.make_token(skipped), score=5)
    assert error.code == "survey_link_invalid"


@pytest.mark.parametrize(
    ("score", "comment", "reason"),
    [
        (None, "", "range"),
        ("", "", "range"),
        (0, "", "range"),
        (6, "", "range"),
        ("五", "", "range"),
        ("3.5", "", "range"),
        (3, "好" * 1001, "too_long"),
    ],
)
def test_bad_answers_are_refused_with_the_field_and_nothing_is_stored(
    invitation, score, comment, reason
):
    error = refused(links.make_token(invitation), score=score, comment=comment)
    assert (error.code, error.status, error.details["reason"]) == (
        "survey_answer_invalid",
        422,
        reason,
    )
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT  # still answerable


def test_html_in_a_comment_is_stored_as_written(invitation):
    text = '<script>alert("x")</script><b>很好</b>'
    response = answer(links.make_token(invitation), score=5, comment=text + "\x00")
    assert response.comment == text


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_store_exactly_one_answer(cast):
    # Given an invitation, and two browsers submitting it at the same moment
    configure(cast.shop)
    invitation = csat_invitation(cast.shop, solved_ticket(cast.shop))
    token = links.make_token(invitation)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(score: int) -> None:
        try:
            barrier.wait()
            answer(token, score=score)
            outcomes.append("stored")
        except ServiceError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(s,)) for s in (2, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # Then one answer is stored and the other submit is told it was already answered
    assert sorted(outcomes) == ["stored", "survey_already_answered"]
    assert Response.objects.filter(invitation=invitation).count() == 1
