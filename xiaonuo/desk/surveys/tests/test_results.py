"""Results arithmetic against hand-computed numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.surveys import links
from xiaonuo.desk.surveys import selectors as surveys_selectors
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.desk.surveys.models import Invitation, InvitationStatus, SurveyKind
from xiaonuo.desk.surveys.selectors import ResultsQuery
from xiaonuo.desk.surveys.tests.helpers import answer, configure, csat_invitation, solved_ticket
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(cast):
    """李客服 (team 售后): 4 invitations, answers 5, 4, 2 (one unanswered).
    周客服 (no team): 2 invitations, answer 3 (one unanswered). Plus one skipped."""
    # No delay: the invitations are dated now, inside "today" whatever the time of day
    configure(cast.shop, csat_delay_minutes=0)
    zhou = make_staff(workspace=cast.shop, role=Role.AGENT, display_name="周客服")
    team = desk_services.create_team(
        workspace=cast.shop, name="售后", member_ids=[cast.agent.pk], actor=Actor(user=cast.owner)
    )
    plan = [
        (cast.agent, 5),
        (cast.agent, 4),
        (cast.agent, 2),
        (cast.agent, None),
        (zhou, 3),
        (zhou, None),
    ]
    for agent, score in plan:
        ticket = solved_ticket(cast.shop, assignee=agent)
        if agent == cast.agent:
            desk_services.set_ticket_team(
                workspace=cast.shop,
                ticket_id=ticket.pk,
                team_id=team.pk,
                actor=Actor(user=cast.owner),
            )
            ticket.refresh_from_db()
        invitation = csat_invitation(cast.shop, ticket, minutes=0)
        if score is not None:
            answer(links.make_token(invitation), score=score)
    configure(cast.shop, csat_sample_percent=0, csat_delay_minutes=0)
    csat_invitation(
        cast.shop, solved_ticket(cast.shop, assignee=zhou), minutes=0
    )  # skipped: not counted
    return {"zhou": zhou, "team": team}


def test_csat_response_rate_and_average_overall(cast, scored):
    results = surveys_selectors.get_results(workspace=cast.shop, query=ResultsQuery(kind="csat"))
    total = results.total
    assert (total.invited, total.responses, total.satisfied) == (6, 4, 2)
    assert total.csat == 50.0  # 2 of 4 answers are 4 or 5
    assert total.response_rate == 66.7  # 4 of 6
    assert total.average == 3.5  # (5 + 4 + 2 + 3) / 4


def test_by_agent_and_by_team(cast, scored):
    by_agent = surveys_selectors.get_results(
        workspace=cast.shop, query=ResultsQuery(kind="csat", group_by="agent")
    )
    rows = {row.label: row for row in by_agent.rows}
    assert (rows["李客服"].csat, rows["李客服"].response_rate) == (66.7, 75.0)
    assert (rows["周客服"].csat, rows["周客服"].response_rate) == (0.0, 50.0)

    by_team = surveys_selectors.get_results(
        workspace=cast.shop, query=ResultsQuery(kind="csat", group_by="team")
    )
    teams = {row.label: row for row in by_team.rows}
    assert (teams["售后"].invited, teams["售后"].csat) == (4, 66.7)
    assert (teams[""].invited, teams[""].csat) == (2, 0.0)  # tickets of no team


def test_by_channel_and_period(cast, scored):
    by_channel = surveys_selectors.get_results(
        workspace=cast.shop, query=ResultsQuery(kind="csat", group_by="channel")
    )
    assert sum(row.invited for row in by_channel.rows) == 6
    assert all(row.label.startswith("渠道") for row in by_channel.rows)

    by_day = surveys_selectors.get_results(
        workspace=cast.shop, query=ResultsQuery(kind="csat", group_by="period", period="day")
    )
    assert len(by_day.rows) == 1
    assert sum(row.responses for row in by_day.rows) == 4


def test_nps_is_promoters_minus_detractors(cast):
    # Scores 10, 9, 8, 6, 0, 10: promoters 3, passives 1, detractors 2 → (3 − 2) / 6 = 16.7
    configure(cast.shop)
    now = timezone.now()
    for n, score in enumerate([10, 9, 8, 6, 0, 10]):
        ticket = solved_ticket(cast.shop)
        invitation = Invitation.objects.create(
            workspace=cast.shop,
            kind=SurveyKind.NPS,
            customer_id=ticket.customer_id,
            period_key=f"test:{n}",
            status=InvitationStatus.READY,
            created_at=now,
            expires_at=now + timedelta(days=7),
        )
        answer(links.make_token(invitation), score=score)
    results = surveys_selectors.get_results(workspace=cast.shop, query=ResultsQuery(kind="nps"))
    assert (results.total.promoters, results.total.detractors) == (3, 2)
    assert results.total.nps == 16.7
    assert results.total.headline == 16.7


def test_an_empty_range_has_no_rows_and_no_made_up_figures(cast):
    results = surveys_selectors.get_results(workspace=cast.shop, query=ResultsQuery())
    assert results.rows == []
    assert (results.total.csat, results.total.response_rate, results.total.nps) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "query",
    [
        ResultsQuery(kind="custom"),
        ResultsQuery(kind="bogus"),
        ResultsQuery(group_by="customer"),
        ResultsQuery(period="year"),
        ResultsQuery(start=timezone.localdate(), end=timezone.localdate() - timedelta(days=1)),
        ResultsQuery(start=timezone.localdate() - timedelta(days=800), end=timezone.localdate()),
    ],
)
def test_bad_result_queries_are_refused(cast, query):
    with pytest.raises(ServiceError) as caught:
        surveys_selectors.get_results(workspace=cast.shop, query=query)
    assert (caught.value.code, caught.value.status) == ("survey_results_invalid", 422)


def test_another_workspaces_answers_never_count(cast, scored):
    results = surveys_selectors.get_results(workspace=cast.other_shop, query=ResultsQuery())
    assert results.total.invited == 0
    assert surveys_services is not None
