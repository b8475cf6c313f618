"""Console pages: every page renders, permissions hold, another workspace sees nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xiaonuo.feedback import alerts
from xiaonuo.feedback.models import Alert, ColumnMapping, FeedbackSettings, ReplyStatus, Review
from xiaonuo.feedback.tests.helpers import PRODUCT_GOOD, SERVICE_BAD, add_reviews
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_id(cast):
    return add_reviews(
        cast.shop, [{"text": SERVICE_BAD, "store": "梅溪湖店", "product": "柠檬茶"}]
    )[0]


def make_alert(workspace):
    now = timezone.now()
    return Alert.objects.create(
        workspace=workspace,
        kind="negative_reviews",
        scope="store",
        scope_value="梅溪湖店",
        window_start=now,
        window_end=now,
        count=9,
        baseline_median=1,
        baseline_mad=0,
        threshold=5,
        created_at=now,
    )


def test_every_page_renders_for_the_owner(cast, review_id):
    client = signed_in(cast.owner)
    make_alert(cast.shop)
    for path in (
        "/feedback/",
        f"/feedback/reviews/{review_id}/",
        "/feedback/import/",
        "/feedback/quadrant/",
        "/feedback/alerts/",
        "/feedback/settings/",
        "/feedback/?sentiment=negative&store=梅溪湖店&complaint=0&reply=new",
        "/feedback/?axis=service&polarity=negative&month=2026-01",
        "/feedback/quadrant/?store=梅溪湖店&start=2025-01&end=2026-12&source=message",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    body = client.get("/feedback/").content.decode()
    assert SERVICE_BAD in body and "服务态度" in body


def test_another_workspace_sees_none_of_it(cast, review_id):
    alert = make_alert(cast.shop)
    client = signed_in(cast.other_owner)
    assert SERVICE_BAD not in client.get("/feedback/").content.decode()
    assert client.get(f"/feedback/reviews/{review_id}/").status_code == 404
    assert (
        client.post(
            f"/feedback/reviews/{review_id}/reply/", {"text": "抱歉", "action": "draft"}
        ).status_code
        == 404
    )
    assert client.post(f"/feedback/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert "梅溪湖店" not in client.get("/feedback/alerts/").content.decode()
    assert "梅溪湖店" not in client.get("/feedback/quadrant/").content.decode()
    assert Review.objects.get(pk=review_id).reply_status == ReplyStatus.NEW
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_the_reply_workflow_checks_the_tone(cast, review_id):
    client = signed_in(cast.agent)
    url = f"/feedback/reviews/{review_id}/reply/"
    client.post(
        url, {"text": "非常抱歉给您带来不好的体验，我们已经批评教育了这位店员。", "action": "draft"}
    )
    review = Review.objects.get(pk=review_id)
    assert review.reply_status == ReplyStatus.DRAFTED and review.drafted_by == cast.agent
    rude = client.post(url, {"text": "爱买不买", "action": "replied"})
    assert rude.status_code == 400 and "reply_tone" in rude.content.decode()
    assert Review.objects.get(pk=review_id).reply_status == ReplyStatus.DRAFTED
    client.post(url, {"text": "爱买不买", "action": "replied", "despite_tone": "1"})
    review = Review.objects.get(pk=review_id)
    assert review.reply_status == ReplyStatus.REPLIED and review.replied_by == cast.agent
    assert review.reply_tone_findings


def test_roles_without_the_permission_are_refused(cast, review_id):
    viewer = signed_in(cast.viewer)
    assert viewer.get("/feedback/").status_code == 200
    assert (
        viewer.post(
            f"/feedback/reviews/{review_id}/reply/", {"text": "好的", "action": "draft"}
        ).status_code
        == 403
    )
    assert viewer.get("/feedback/import/").status_code == 403
    assert viewer.get("/feedback/settings/").status_code == 403
    alert = make_alert(cast.shop)
    assert viewer.post(f"/feedback/alerts/{alert.pk}/acknowledge/").status_code == 403
    operator = signed_in(cast.operator)
    assert operator.get("/feedback/import/").status_code == 200
    assert Review.objects.get(pk=review_id).reply_status == ReplyStatus.NEW


def test_the_import_page_imports_and_shows_row_errors(cast):
    client = signed_in(cast.operator)
    good = "评价内容,评价时间,门店名称\n送餐很快,2026-03-01 12:00,梅溪湖店\n".encode("gbk")
    response = client.post(
        "/feedback/import/", {"format": "meituan", "file": SimpleUploadedFile("mt.csv", good)}
    )
    assert (
        response.status_code == 200 and 'data-testid="import-result"' in response.content.decode()
    )
    bad = "评价内容,评价时间\n,2026-03-01\n".encode()
    response = client.post(
        "/feedback/import/", {"format": "meituan", "file": SimpleUploadedFile("bad.csv", bad)}
    )
    body = response.content.decode()
    assert response.status_code == 400 and "bad.csv:2" in body and "text" in body
    assert Review.objects.filter(workspace=cast.shop).count() == 1


def test_mappings_are_saved_and_deleted_per_workspace(cast):
    client = signed_in(cast.owner)
    client.post(
        "/feedback/mappings/",
        {"name": "小程序", "platform": "other", "col_text": "留言", "col_reviewed_at": "时间"},
    )
    mapping = ColumnMapping.objects.get(workspace=cast.shop)
    assert mapping.columns == {"text": "留言", "reviewed_at": "时间"}
    assert (
        signed_in(cast.other_owner).post(f"/feedback/mappings/{mapping.pk}/delete/").status_code
        == 404
    )
    client.post(f"/feedback/mappings/{mapping.pk}/delete/")
    assert not ColumnMapping.objects.exists()


def test_settings_are_saved(cast):
    client = signed_in(cast.owner)
    response = client.post(
        "/feedback/settings/",
        {
            "auto_complaint": "on",
            "aspects": ["service", "logistics"],
            "repeat_only": "on",
            "alert_min_count": 4,
            "alert_mad_k": 2.5,
        },
    )
    assert response.status_code == 302
    saved = FeedbackSettings.objects.get(workspace=cast.shop)
    assert saved.auto_complaint and saved.auto_complaint_aspects == ["logistics", "service"]
    assert (
        client.post("/feedback/settings/", {"alert_min_count": 0, "alert_mad_k": 3}).status_code
        == 400
    )


def test_pages_are_english_when_english_is_chosen(cast, review_id):
    add_reviews(cast.shop, [{"text": PRODUCT_GOOD}])
    make_alert(cast.shop)
    client = signed_in(cast.owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for path in (
        "/feedback/",
        f"/feedback/reviews/{review_id}/",
        "/feedback/import/",
        "/feedback/quadrant/",
        "/feedback/alerts/",
        "/feedback/settings/",
    ):
        body = client.get(path).content.decode()
        assert "Voice of the customer" in body or "Reviews" in body, path
        # The import page lists the exports' own (Chinese) headers: those are data, not labels.
        labels = ("产品 × 服务象限", "规则设置", "导入评价", "证据不足", "待回复", "回复状态")
        for chinese in labels if "import" in path else ("评价内容", *labels):
            assert chinese not in body, (path, chinese)


def test_alert_check_command(cast, capsys):
    from django.core.management import call_command

    call_command("feedback", "check-alerts", "--workspace", "chayu")
    assert "0 alert(s) raised" in capsys.readouterr().out
    assert alerts.WEBHOOK_EVENT == "feedback.alert"


def test_settings_and_mappings_are_per_workspace(cast):
    signed_in(cast.owner).post(
        "/feedback/mappings/",
        {"name": "茶语专用", "platform": "other", "col_text": "留言", "col_reviewed_at": "时间"},
    )
    signed_in(cast.owner).post(
        "/feedback/settings/",
        {"auto_complaint": "on", "alert_min_count": 9, "alert_mad_k": 4},
    )
    other = signed_in(cast.other_owner)
    assert "茶语专用" not in other.get("/feedback/import/").content.decode()
    body = other.get("/feedback/settings/").content.decode()
    assert 'value="9"' not in body and 'value="5"' in body
    assert not FeedbackSettings.objects.filter(
        workspace=cast.other_shop, auto_complaint=True
    ).exists()
