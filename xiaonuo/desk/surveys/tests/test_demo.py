"""The demo hook makes believable answers, fast, for the demo helper."""

import pytest

from xiaonuo.desk.models import Ticket
from xiaonuo.desk.surveys import selectors as surveys_selectors
from xiaonuo.desk.surveys.demo import create_demo_answers
from xiaonuo.desk.surveys.models import Invitation, Praise, Response, SurveyKind
from xiaonuo.desk.surveys.selectors import PraiseFilters, ResultsQuery
from xiaonuo.testing import make_channel, make_ticket

pytestmark = pytest.mark.django_db


def test_demo_answers_for_solved_tickets_in_bulk_once(cast, django_assert_max_num_queries):
    channel = make_channel(workspace=cast.shop)
    for n in range(40):
        make_ticket(
            workspace=cast.shop,
            status="solved",
            assignee=cast.agent,
            channel=channel,
            identities={"external_id": f"demo-{n}"},
        )
    make_ticket(workspace=cast.shop, status="open", channel=channel)  # not solved: left out
    make_ticket(workspace=cast.other_shop, status="solved")
    tickets = list(Ticket.objects.all())

    with django_assert_max_num_queries(20):
        summary = create_demo_answers(workspace=cast.shop, tickets=tickets, seed=1)
    again = create_demo_answers(workspace=cast.shop, tickets=tickets, seed=1)

    assert Invitation.objects.filter(kind=SurveyKind.CSAT).count() == 40
    assert (again.invitations, again.responses, again.praise) == (0, 0, 0)
    assert Invitation.objects.filter(workspace=cast.other_shop).count() == 0
    assert 5 <= Response.objects.filter(invitation__kind=SurveyKind.CSAT).count() <= 25
    assert summary.responses == Response.objects.count()
    results = surveys_selectors.get_results(workspace=cast.shop, query=ResultsQuery())
    assert results.total.csat is not None and results.total.csat > 50
    board = surveys_selectors.get_praise_board(workspace=cast.shop, filters=PraiseFilters())
    assert board.total == Praise.objects.count() == summary.praise
