"""The praise board: praise from survey comments and customers' messages, per agent and team."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import Message
from xiaonuo.desk.surveys import links
from xiaonuo.desk.surveys import selectors as surveys_selectors
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.desk.surveys.models import Praise, PraiseSource
from xiaonuo.desk.surveys.selectors import PraiseFilters
from xiaonuo.desk.surveys.tests.helpers import answer, configure, csat_invitation, solved_ticket
from xiaonuo.testing import make_channel, receive

pytestmark = pytest.mark.django_db


def later():
    return timezone.now() + timedelta(minutes=5)


def test_a_praising_comment_with_a_good_score_goes_on_the_board_for_the_agent_and_team(cast):
    configure(cast.shop)
    team = desk_services.create_team(
        workspace=cast.shop, name="售后", member_ids=[cast.agent.pk], actor=Actor(user=cast.owner)
    )
    ticket = solved_ticket(cast.shop, assignee=cast.agent)
    desk_services.set_ticket_team(
        workspace=cast.shop, ticket_id=ticket.pk, team_id=team.pk, actor=Actor(user=cast.owner)
    )
    ticket.refresh_from_db()
    invitation = csat_invitation(cast.shop, ticket)

    answer(links.make_token(invitation), score=5, comment="小李服务太好了，谢谢！")

    praise = Praise.objects.get()
    assert (praise.source, praise.agent_id, praise.team_id, praise.ticket_id) == (
        PraiseSource.SURVEY,
        cast.agent.pk,
        team.pk,
        ticket.pk,
    )
    assert praise.phrases == ["服务太好"]


@pytest.mark.parametrize(
    ("score", "comment"),
    [(2, "客服态度很好，但是问题没解决"), (2, "服务真好"), (5, "好的，谢谢"), (5, "")],
)
def test_poor_scores_and_comments_without_praise_stay_off_the_board(cast, score, comment):
    configure(cast.shop)
    invitation = csat_invitation(cast.shop, solved_ticket(cast.shop, assignee=cast.agent))
    answer(links.make_token(invitation), score=score, comment=comment)
    assert not Praise.objects.exists()


def test_praise_in_customer_messages_is_found_by_the_scan_once(cast):
    # Given a ticket of 李客服's, whose customer thanks the desk, and another who only asks
    channel = make_channel(workspace=cast.shop)
    person = {"external_id": "c1"}
    got = receive(workspace=cast.shop, channel=channel, text="我的快递到哪了？", identities=person)
    desk_services.assign_ticket(
        workspace=cast.shop,
        ticket_id=got.ticket.pk,
        assignee_id=cast.agent.pk,
        actor=Actor(user=cast.owner),
    )
    thanks = receive(
        workspace=cast.shop, channel=channel, text="收到了，谢谢你们客服！", identities=person
    )
    assert thanks.ticket.pk == got.ticket.pk
    receive(workspace=cast.shop, text="请问什么时候发货？谢谢")
    receive(workspace=cast.other_shop, text="给你们点赞")

    # When the scan runs (twice: the second finds nothing new)
    added = surveys_services.scan_messages_for_praise(now=later())
    again = surveys_services.scan_messages_for_praise(now=later())

    # Then one praise per praising message, credited per workspace
    assert (added, again) == (2, 0)
    ours = Praise.objects.get(workspace=cast.shop)
    assert (ours.source, ours.message_id, ours.agent_id) == (
        PraiseSource.MESSAGE,
        thanks.message.pk,
        cast.agent.pk,
    )
    assert Praise.objects.filter(workspace=cast.other_shop).count() == 1


def test_messages_younger_than_the_settle_time_wait_for_the_next_scan(cast):
    receive(workspace=cast.shop, text="太感谢了，问题解决了")
    assert surveys_services.scan_messages_for_praise(now=timezone.now()) == 0
    assert surveys_services.scan_messages_for_praise(now=later()) == 1


def test_the_board_lists_newest_first_with_counts_per_agent_and_filters(cast):
    configure(cast.shop)
    for comment in ("服务很好", "给你们点赞", "客服很耐心"):
        invitation = csat_invitation(cast.shop, solved_ticket(cast.shop, assignee=cast.agent))
        answer(links.make_token(invitation), score=5, comment=comment)
    invitation = csat_invitation(cast.shop, solved_ticket(cast.shop, assignee=cast.owner))
    answer(links.make_token(invitation), score=4, comment="谢谢你的帮助")

    board = surveys_selectors.get_praise_board(workspace=cast.shop, filters=PraiseFilters())
    assert [p.text for p in board.entries] == [
        "谢谢你的帮助",
        "客服很耐心",
        "给你们点赞",
        "服务很好",
    ]
    assert board.by_agent[0] == ("李客服", 3, cast.agent.pk)
    assert ("王店长", 1, cast.owner.pk) in board.by_agent

    mine = surveys_selectors.get_praise_board(
        workspace=cast.shop, filters=PraiseFilters(agent_id=cast.agent.pk)
    )
    assert mine.total == 3
    other = surveys_selectors.get_praise_board(workspace=cast.other_shop, filters=PraiseFilters())
    assert other.total == 0 and other.entries == []


def test_a_merge_moves_survey_answers_and_praise_to_the_survivor(cast):
    configure(cast.shop)
    invitation = csat_invitation(cast.shop, solved_ticket(cast.shop, assignee=cast.agent))
    answer(links.make_token(invitation), score=5, comment="点赞")
    survivor = receive(workspace=cast.shop, text="你好").ticket.customer_id
    merged = invitation.customer_id

    surveys_services.move_surveys_to_survivor(
        workspace_id=cast.shop.pk, survivor_id=survivor, merged_id=merged
    )

    invitation.refresh_from_db()
    assert invitation.customer_id == survivor
    assert Praise.objects.get().customer_id == survivor
    assert Message.objects.exists()
