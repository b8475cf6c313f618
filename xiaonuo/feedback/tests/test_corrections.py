"""Staff corrections of sentiment, and the workspace's own model retrained from them."""

import pytest
from django.core.management import CommandError, call_command

from xiaonuo.feedback import corrections, enrichment, services
from xiaonuo.feedback.models import Review, SentimentCorrection, SentimentModel, SourceKind
from xiaonuo.feedback.tests.helpers import PRODUCT_GOOD, SERVICE_BAD, add_reviews, review
from xiaonuo.nlp import corpus
from xiaonuo.nlp.enrich import enrich
from xiaonuo.testing import make_customer, signed_in

pytestmark = pytest.mark.django_db

# What this shop's customers mean by its own slang, which no general model knows: "芋泥塌了"
# is the taro topping gone flat and watery. Written for these tests.
SLANG_COMPLAINTS = [
    f"今天的{drink}芋泥塌了{tail}"
    for drink in ("芋泥奶茶", "芋泥波波", "芋泥鲜奶", "芋泥厚乳", "芋泥椰椰")
    for tail in ("", "，下次注意", "，又是这样", "，喝了两口")
]


def test_a_correction_shows_at_once_survives_re_enrichment_and_can_be_undone(cast):
    [review_id] = add_reviews(cast.shop, [{"text": SERVICE_BAD}])
    assert review(review_id).sentiment == "negative"
    client = signed_in(cast.agent)
    url = f"/feedback/reviews/{review_id}/sentiment/"

    response = client.post(url, {"label": "positive"})
    assert response.status_code == 302
    assert review(review_id).sentiment == "positive"
    correction = SentimentCorrection.objects.get(workspace=cast.shop)
    assert (correction.label, correction.model_sentiment) == ("positive", "negative")
    assert correction.corrected_by == cast.agent
    page = client.get(f"/feedback/reviews/{review_id}/").content.decode()
    assert "已人工更正" in page and "李客服" in page and "应为负面" in page

    enrichment.enrich_reviews(review_ids=[review_id], force=True)
    assert review(review_id).sentiment == "positive"  # the staff's verdict outranks the model

    client.post(url, {"label": "undo"})
    assert review(review_id).sentiment == "negative"
    assert not SentimentCorrection.objects.exists()


def test_bad_labels_other_workspaces_and_roles_without_permission_change_nothing(cast):
    [review_id] = add_reviews(cast.shop, [{"text": PRODUCT_GOOD}])
    url = f"/feedback/reviews/{review_id}/sentiment/"
    assert signed_in(cast.other_owner).post(url, {"label": "negative"}).status_code == 404
    assert signed_in(cast.viewer).post(url, {"label": "negative"}).status_code == 403
    response = signed_in(cast.agent).post(url, {"label": "neutral"}, follow=True)
    assert "更正无效" in response.content.decode()
    assert not SentimentCorrection.objects.exists()
    assert review(review_id).sentiment == "positive"
    other_owner = signed_in(cast.other_owner)
    assert other_owner.post("/feedback/settings/retrain/").status_code == 302
    assert not SentimentModel.objects.exists()


def test_retraining_needs_corrections(cast, capsys):
    with pytest.raises(CommandError, match="no_corrections"):
        call_command("feedback", "retrain", "--workspace", "chayu")
    response = signed_in(cast.owner).post("/feedback/settings/retrain/", follow=True)
    assert "还没有任何情感更正" in response.content.decode()
    assert signed_in(cast.agent).post("/feedback/settings/retrain/").status_code == 403


def test_the_retrained_model_learns_the_corrections_and_enriches_only_this_workspace(cast):
    ids = add_reviews(cast.shop, [{"text": text} for text in SLANG_COMPLAINTS])
    default_scores = [review(pk).score for pk in ids]
    client = signed_in(cast.agent)
    for pk in ids:
        client.post(f"/feedback/reviews/{pk}/sentiment/", {"label": "negative"})
    owner = signed_in(cast.owner)
    assert "有 20 条更正尚未用于训练" in owner.get("/feedback/settings/").content.decode()

    response = owner.post("/feedback/settings/retrain/", follow=True)  # the job runs inline here
    body = response.content.decode()
    assert "学习了 20 条人工更正" in body and "有 0 条更正尚未用于训练" in body
    model = corrections.model_for(cast.shop.pk)
    assert model is not None and "20 corrections" in model.info.data_source
    assert corrections.model_for(cast.other_shop.pk) is None

    # New texts of this workspace are read by its model, which has learnt the slang.
    fresh = "周末买的芋泥奶茶芋泥塌了"
    [mine] = add_reviews(cast.shop, [{"text": fresh}])
    [theirs] = add_reviews(cast.other_shop, [{"text": fresh}])
    [by_workspace_model] = enrich([fresh], model=model)
    [by_default_model] = enrich([fresh], model=corpus.default_model())
    assert review(mine).score == by_workspace_model.score
    assert review(theirs).score == by_default_model.score
    assert by_workspace_model.score < by_default_model.score - 0.1
    relearnt = enrich(SLANG_COMPLAINTS, model=model)
    assert sum(e.score for e in relearnt) < sum(default_scores) - 2

    assert corrections.retrain_due_models() == 0  # nothing new since: the nightly job waits


def test_an_erasure_takes_the_corrections_of_the_erased_texts(cast):
    customer = make_customer(workspace=cast.shop)
    [review_id] = add_reviews(cast.shop, [{"text": SERVICE_BAD}])
    Review.objects.filter(pk=review_id).update(customer=customer)
    corrections.correct_sentiment(
        workspace=cast.shop,
        source_kind=SourceKind.REVIEW,
        source_id=review_id,
        label="positive",
        actor=services.Actor(user=cast.owner),
    )
    services.erase_customer_feedback(workspace_id=cast.shop.pk, customer_id=customer.pk)
    assert not SentimentCorrection.objects.exists()
    assert not Review.objects.filter(pk=review_id).exists()
