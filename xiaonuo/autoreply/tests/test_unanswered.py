"""Unanswered questions are grouped every week into suggested entries; a group becomes an entry
in one call, or is dismissed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply import tasks as autoreply_tasks
from xiaonuo.autoreply.models import (
    FaqEntry,
    UnansweredGroup,
    UnansweredQuestion,
    UnansweredStatus,
)
from xiaonuo.autoreply.services.unanswered import cluster_texts
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db

WEEK = [
    "可以寄到香港吗",
    "能寄香港吗",
    "香港可以寄吗",
    "可以寄到香港吗",
    "收到的茶饼发霉了",
    "茶饼发霉了怎么办",
    "你们招聘吗",
]


def test_similar_texts_cluster_and_different_ones_do_not():
    clusters = cluster_texts(
        ["可以寄到香港吗", "能寄香港吗", "茶饼发霉了怎么办", "收到的茶饼发霉了"]
    )

    assert sorted(sorted(c) for c in clusters) == [
        ["可以寄到香港吗", "能寄香港吗"],
        ["收到的茶饼发霉了", "茶饼发霉了怎么办"],
    ]


@pytest.fixture
def unanswered(cast):
    make_faq(workspace=cast.shop)
    # A cautious bot: none of these questions has an entry, and none should be answered.
    autoreply_services.update_settings(
        workspace=cast.shop, changes=autoreply_services.SettingsChanges(threshold=0.99)
    )
    wechat = make_wechat_channel(workspace=cast.shop)
    for i, text in enumerate(WEEK):
        ask(workspace=cast.shop, channel=wechat, text=text, openid=f"o{i}")
    return UnansweredQuestion.objects.filter(workspace=cast.shop)


def test_a_weeks_unanswered_questions_become_groups_with_counts_and_examples(cast, unanswered):
    assert unanswered.count() == len(WEEK)

    groups = autoreply_services.group_unanswered(workspace=cast.shop)

    assert [(g.count, g.suggested_question) for g in groups] == [
        (4, "可以寄到香港吗"),  # the most frequent wording suggests the question
        (2, "收到的茶饼发霉了"),
    ]
    assert sorted(groups[0].examples) == sorted(["可以寄到香港吗", "能寄香港吗", "香港可以寄吗"])
    # A question asked once is no pattern yet; it stays ungrouped.
    assert list(unanswered.filter(group__isnull=True).values_list("text", flat=True)) == [
        "你们招聘吗"
    ]
    listed = autoreply_selectors.list_unanswered_groups(workspace=cast.shop)
    assert [g.pk for g in listed] == [g.pk for g in groups]
    assert autoreply_selectors.list_unanswered_groups(workspace=cast.other_shop) == []


def test_the_weekly_job_is_idempotent_and_looks_back_one_week(cast, unanswered):
    unanswered.filter(text="你们招聘吗").update(created_at=timezone.now() - timedelta(days=8))

    first = autoreply_tasks.group_unanswered_questions.call_local()
    second = autoreply_tasks.group_unanswered_questions.call_local()

    assert (first, second) == (2, 0)
    assert UnansweredGroup.objects.count() == 2


def test_one_click_turns_a_group_into_a_disabled_entry_waiting_for_its_answer(cast, unanswered):
    group = autoreply_services.group_unanswered(workspace=cast.shop)[0]

    entry = autoreply_services.accept_group(
        workspace=cast.shop, group_id=group.pk, actor=Actor(user=cast.owner)
    )

    assert entry.question == "可以寄到香港吗"
    assert entry.enabled is False
    assert sorted(p.text for p in entry.phrasings.all()) == ["能寄香港吗", "香港可以寄吗"]
    group.refresh_from_db()
    assert (group.status, group.entry_id) == (UnansweredStatus.ACCEPTED, entry.pk)
    with pytest.raises(ServiceError) as error:
        autoreply_services.accept_group(
            workspace=cast.shop, group_id=group.pk, actor=Actor(user=cast.owner)
        )
    assert error.value.code == "unanswered_group_decided"
    # Enabling it needs an answer.
    with pytest.raises(ServiceError) as error:
        autoreply_services.update_entry(
            workspace=cast.shop,
            entry_id=entry.pk,
            changes=autoreply_services.FaqChanges(enabled=True),
            actor=Actor(user=cast.owner),
        )
    assert error.value.code == "answer_invalid"


def test_a_dismissed_group_leaves_the_list(cast, unanswered):
    group = autoreply_services.group_unanswered(workspace=cast.shop)[1]

    autoreply_services.dismiss_group(workspace=cast.shop, group_id=group.pk, actor=Actor())

    assert group.pk not in [
        g.pk for g in autoreply_selectors.list_unanswered_groups(workspace=cast.shop)
    ]
    assert FaqEntry.objects.filter(question=group.suggested_question).count() == 0


def test_another_workspace_cannot_decide_a_group(cast, unanswered):
    group = autoreply_services.group_unanswered(workspace=cast.shop)[0]

    for decide in (autoreply_services.accept_group, autoreply_services.dismiss_group):
        with pytest.raises(ServiceError) as error:
            decide(workspace=cast.other_shop, group_id=group.pk, actor=Actor())
        assert error.value.code == "unanswered_group_not_found"
    group.refresh_from_db()
    assert group.status == UnansweredStatus.SUGGESTED


def test_an_erasure_takes_the_persons_words_out_of_the_groups(cast, unanswered):
    from xiaonuo.customers import services as customers_services

    def erase_who_asked(text):
        question = unanswered.filter(text=text).select_related("log__message__conversation")[0]
        customers_services.erase_customer(
            workspace=cast.shop,
            customer_id=question.log.message.conversation.customer_id,
            actor=Actor(user=cast.owner),
        )

    hongkong, mould = autoreply_services.group_unanswered(workspace=cast.shop)

    erase_who_asked("收到的茶饼发霉了")
    mould.refresh_from_db()
    assert (mould.count, mould.examples, mould.suggested_question) == (
        1,
        ["茶饼发霉了怎么办"],
        "茶饼发霉了怎么办",
    )
    # Two people asked "可以寄到香港吗" in those words: the wording goes with either of them.
    erase_who_asked("可以寄到香港吗")
    hongkong.refresh_from_db()
    assert hongkong.count == 3 and "可以寄到香港吗" not in hongkong.examples
    assert hongkong.suggested_question in hongkong.examples
    # A suggested group left with nothing of anyone is gone.
    erase_who_asked("茶饼发霉了怎么办")
    assert not UnansweredGroup.objects.filter(pk=mould.pk).exists()
