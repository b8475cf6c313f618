"""The knowledge base's use cases: entries with their history, validity, dictionary, synonyms,
settings — and that the live matcher follows every change."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import engine
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import AutoReplySettings, FaqEntry, FaqRevision, RevisionAction
from xiaonuo.autoreply.services import Answer, FaqChanges, FaqInput, SettingsChanges
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db


def _entry(workspace, actor, question="多久发货", **kwargs):
    return autoreply_services.create_entry(
        workspace=workspace,
        data=FaqInput(
            question=question,
            phrasings=kwargs.pop("phrasings", ["什么时候发货"]),
            answer=kwargs.pop("answer", Answer(text="48 小时内发货")),
            **kwargs,
        ),
        actor=Actor(user=actor),
    )


def _revision(workspace) -> int:
    return AutoReplySettings.objects.get(workspace=workspace).kb_revision


def test_every_change_is_kept_in_the_entrys_history_with_who_and_what(cast):
    entry = _entry(cast.shop, cast.owner, tags=["物流"])

    autoreply_services.update_entry(
        workspace=cast.shop,
        entry_id=entry.pk,
        changes=FaqChanges(answer=Answer(text="24 小时内发货"), phrasings=["几天发货"]),
        actor=Actor(user=cast.operator),
    )
    autoreply_services.disable_entry(
        workspace=cast.shop, entry_id=entry.pk, actor=Actor(user=cast.owner)
    )

    history = list(autoreply_selectors.list_entry_history(workspace=cast.shop, entry_id=entry.pk))
    assert [r.action for r in history] == [
        RevisionAction.DISABLED,
        RevisionAction.UPDATED,
        RevisionAction.CREATED,
    ]
    changed = history[1]
    assert changed.actor == cast.operator
    assert changed.changes["answer_text"] == ["48 小时内发货", "24 小时内发货"]
    assert changed.changes["phrasings"] == [["什么时候发货"], ["几天发货"]]
    assert history[0].changes == {"enabled": [True, False]}


def test_an_update_that_changes_nothing_writes_no_revision(cast):
    entry = _entry(cast.shop, cast.owner)
    before = _revision(cast.shop)

    autoreply_services.update_entry(
        workspace=cast.shop,
        entry_id=entry.pk,
        changes=FaqChanges(question="多久发货"),
        actor=Actor(user=cast.owner),
    )

    assert FaqRevision.objects.filter(entry=entry).count() == 1
    assert _revision(cast.shop) == before


def test_a_deleted_entrys_history_stays_readable(cast):
    entry = _entry(cast.shop, cast.owner)

    autoreply_services.delete_entry(
        workspace=cast.shop, entry_id=entry.pk, actor=Actor(user=cast.owner)
    )

    assert not FaqEntry.objects.filter(pk=entry.pk).exists()
    deleted = autoreply_selectors.list_deleted_entries(workspace=cast.shop).get()
    assert deleted.entry_question == "多久发货"
    assert deleted.actor == cast.owner
    assert deleted.snapshot["answer_text"] == "48 小时内发货"


def test_standard_questions_are_unique_per_workspace_only(cast):
    _entry(cast.shop, cast.owner)

    with pytest.raises(ServiceError) as error:
        _entry(cast.shop, cast.owner)
    assert error.value.code == "faq_question_taken"
    _entry(cast.other_shop, cast.other_owner)  # another workspace may ask the same


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (Answer(kind="text", text=""), "answer_text"),
        (Answer(kind="link", text="看这里"), "answer_url"),
        (Answer(kind="link", url="javascript:alert(1)"), "answer_url"),
        (Answer(kind="article", url="https://example.com/a"), "answer_title"),
        (Answer(kind="image"), "answer_media_id"),
        (Answer(kind="video", text="x"), "answer_kind"),
    ],
)
def test_an_answer_missing_what_its_kind_needs_is_refused(cast, answer, field):
    with pytest.raises(ServiceError) as error:
        _entry(cast.shop, cast.owner, answer=answer)

    assert error.value.code == "answer_invalid"
    assert error.value.details["field"] == field
    assert not FaqEntry.objects.exists()


def test_validity_must_end_after_it_starts(cast):
    now = timezone.now()
    with pytest.raises(ServiceError) as error:
        _entry(cast.shop, cast.owner, valid_from=now, valid_until=now - timedelta(days=1))
    assert error.value.code == "validity_invalid"


def test_the_matcher_uses_only_enabled_entries_inside_their_validity(cast):
    now = timezone.now()
    _entry(cast.shop, cast.owner, question="多久发货", phrasings=["什么时候发货"])
    _entry(
        cast.shop,
        cast.owner,
        question="双十一活动规则",
        phrasings=["双十一有什么优惠"],
        answer=Answer(text="满 300 减 50"),
        valid_from=now + timedelta(days=1),
    )
    expired = _entry(
        cast.shop,
        cast.owner,
        question="国庆放假安排",
        phrasings=["国庆发货吗"],
        answer=Answer(text="国庆正常发货"),
        valid_until=now - timedelta(seconds=1) + timedelta(seconds=0),
        valid_from=now - timedelta(days=5),
    )
    off = _entry(
        cast.shop,
        cast.owner,
        question="门店营业时间",
        phrasings=["几点开门"],
        answer=Answer(text="10 点"),
        enabled=False,
    )

    brain = engine.brain_for(autoreply_selectors.get_settings(workspace=cast.shop))

    assert set(brain.questions.values()) == {"多久发货"}
    assert str(expired.pk) not in brain.questions
    assert str(off.pk) not in brain.questions
    # The next validity change (the promotion starting) is when the brain goes stale by itself.
    assert brain.valid_until is not None
    assert brain.valid_until == FaqEntry.objects.get(question="双十一活动规则").valid_from


def test_a_brain_goes_stale_when_the_revision_moves_or_a_validity_starts(cast):
    entry = _entry(cast.shop, cast.owner)
    settings_row = autoreply_selectors.get_settings(workspace=cast.shop)
    brain = engine.brain_for(settings_row)

    assert engine.brain_for(settings_row) is brain  # cached: no rebuild without a change
    autoreply_services.update_entry(
        workspace=cast.shop,
        entry_id=entry.pk,
        changes=FaqChanges(phrasings=["啥时候发货"]),
        actor=Actor(user=cast.owner),
    )
    rebuilt = engine.brain_for(autoreply_selectors.get_settings(workspace=cast.shop))
    assert rebuilt is not brain
    assert rebuilt.revision == brain.revision + 1
    assert rebuilt.stale(revision=rebuilt.revision, now=timezone.now()) is False


def test_dictionary_and_synonyms_are_cleaned_and_move_the_revision(cast):
    before = _revision_or_zero(cast.shop)

    words = autoreply_services.set_dictionary(
        workspace=cast.shop, words=["茉莉雪芽", " 金骏眉 ", "", "茉莉雪芽"]
    )
    group = autoreply_services.create_synonym_group(
        workspace=cast.shop, words=["退款", "退钱", "退钱"]
    )

    assert words == ["茉莉雪芽", "金骏眉"]
    assert group.words == ["退款", "退钱"]
    assert _revision(cast.shop) == before + 2
    with pytest.raises(ServiceError) as error:
        autoreply_services.create_synonym_group(workspace=cast.shop, words=["退款"])
    assert error.value.code == "synonyms_invalid"
    with pytest.raises(ServiceError) as error:
        autoreply_services.set_dictionary(workspace=cast.shop, words=["有 空格"])
    assert error.value.code == "dictionary_word_invalid"
    with pytest.raises(ServiceError):
        autoreply_services.delete_synonym_group(workspace=cast.other_shop, group_id=group.pk)


def _revision_or_zero(workspace) -> int:
    row = AutoReplySettings.objects.filter(workspace=workspace).first()
    return row.kb_revision if row else 0


def test_settings_default_to_the_matchers_threshold_and_wechat(cast):
    from xiaonuo.autoreply.matching import DEFAULT_THRESHOLD

    row = autoreply_selectors.get_settings(workspace=cast.shop)

    assert autoreply_selectors.threshold_of(row) == DEFAULT_THRESHOLD
    assert row.channel_kinds == ["wechat_oa"]
    assert row.enabled is True


@pytest.mark.parametrize(
    "changes",
    [
        SettingsChanges(threshold=1.5),
        SettingsChanges(threshold=0),
        SettingsChanges(channel_kinds=["fax"]),
        SettingsChanges(repeat_count=1),
        SettingsChanges(welcome=Answer(kind="link", text="x")),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(cast, changes):
    with pytest.raises(ServiceError) as error:
        autoreply_services.update_settings(workspace=cast.shop, changes=changes)

    assert error.value.status == 422
    row = autoreply_selectors.get_settings(workspace=cast.shop)
    assert row.threshold is None
    assert row.repeat_count == 3
