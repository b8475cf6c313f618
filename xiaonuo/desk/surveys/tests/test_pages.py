"""Console pages (tenancy, permissions, CSV, settings) and the public survey pages (no sign-in,
both languages, clear 4xx pages, HTML shown as text)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xiaonuo.accounts.services import Actor
from xiaonuo.desk.surveys import links
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.desk.surveys.models import (
    Invitation,
    InvitationStatus,
    Praise,
    Response,
    SurveySettings,
)
from xiaonuo.desk.surveys.tests.helpers import answer, configure, csat_invitation, solved_ticket
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(cast):
    configure(cast.shop)
    return csat_invitation(cast.shop, solved_ticket(cast.shop, assignee=cast.agent))


@pytest.fixture
def survey(cast):
    return surveys_services.create_survey(
        workspace=cast.shop,
        name="购物体验调查",
        intro="占用您一分钟",
        questions=[
            surveys_services.QuestionSpec(kind="rating", text="包装", required=True),
            surveys_services.QuestionSpec(kind="single", text="渠道", options=["朋友", "广告"]),
            surveys_services.QuestionSpec(
                kind="multiple", text="喜欢什么", options=["茶", "杯", "壶"]
            ),
            surveys_services.QuestionSpec(kind="text", text="建议"),
        ],
        actor=Actor(user=cast.owner),
    )


# --- console ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["results", "praise", "surveys", "ready", "settings", "survey_new", "results_csv"]
)
def test_console_pages_render_for_the_owner(cast, invitation, name):
    response = signed_in(cast.owner).get(reverse(f"desk_surveys:{name}"))
    assert response.status_code == 200


def test_results_page_shows_the_numbers_and_a_chart_and_the_csv_matches(cast, invitation):
    answer(links.make_token(invitation), score=5)
    client = signed_in(cast.viewer)  # viewers read the desk
    # The invitation is dated an hour after the solve, so ask for a range that holds it
    end = (timezone.localtime(invitation.created_at)).date()
    query = f"?by=agent&end={end.isoformat()}"
    page = client.get(reverse("desk_surveys:results") + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="headline">100.0%' in html
    assert "xn-survey-chart-data" in html and "李客服" in html

    csv_response = client.get(reverse("desk_surveys:results_csv") + query)
    text = csv_response.content.decode("utf-8")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[1] == "李客服,1,1,100.0,100.0,,5.0"


def test_bad_result_filters_are_a_400_page_not_an_error(cast):
    client = signed_in(cast.owner)
    assert client.get(reverse("desk_surveys:results") + "?by=customer").status_code == 400
    assert client.get(reverse("desk_surveys:results") + "?kind=bogus").status_code == 400
    assert client.get(reverse("desk_surveys:results_csv") + "?period=year").status_code == 400
    # An unreadable date falls back to the default range
    assert client.get(reverse("desk_surveys:results") + "?start=yesterday").status_code == 200


def test_settings_are_saved_and_bad_values_refused_whole(cast):
    client = signed_in(cast.owner)
    url = reverse("desk_surveys:settings")
    good = {
        "csat_enabled": "on",
        "csat_delay_minutes": "30",
        "csat_sample_percent": "50",
        "fatigue_cap": "3",
        "link_valid_days": "7",
        "nps_interval_days": "90",
        "nps_active_days": "30",
        "nps_sample_percent": "100",
    }
    assert client.post(url, good).status_code == 302
    saved = SurveySettings.objects.get(workspace=cast.shop)
    assert (saved.csat_delay_minutes, saved.csat_sample_percent, saved.fatigue_cap) == (30, 50, 3)

    for field, value in [
        ("csat_sample_percent", "101"),
        ("link_valid_days", "0"),
        ("fatigue_cap", "x"),
    ]:
        response = client.post(url, {**good, field: value, "csat_delay_minutes": "45"})
        assert response.status_code == 400
    assert SurveySettings.objects.get(workspace=cast.shop).csat_delay_minutes == 30


def test_staff_without_manage_desk_cannot_change_settings_or_make_surveys(cast):
    for user in (cast.agent, cast.viewer):
        client = signed_in(user)
        assert client.get(reverse("desk_surveys:settings")).status_code == 403
        assert client.post(reverse("desk_surveys:survey_new"), {"name": "x"}).status_code == 403


def test_another_workspaces_staff_get_404_for_our_surveys_and_see_none_of_our_results(
    cast, invitation, survey
):
    answer(links.make_token(invitation), score=5, comment="服务很好")
    stranger = signed_in(cast.other_owner)
    for name in ("survey",):
        assert stranger.get(reverse(f"desk_surveys:{name}", args=[survey.pk])).status_code == 404
    assert (
        stranger.post(
            reverse("desk_surveys:survey_send", args=[survey.pk]),
            {"ticket_id": invitation.ticket_id},
        ).status_code
        == 404
    )
    assert (
        stranger.post(
            reverse("desk_surveys:survey_active", args=[survey.pk]), {"active": "0"}
        ).status_code
        == 404
    )
    for name in ("results", "praise", "surveys", "ready"):
        html = stranger.get(reverse(f"desk_surveys:{name}") + "?by=agent").content.decode()
        assert "李客服" not in html and "购物体验调查" not in html and "服务很好" not in html
    csv_text = stranger.get(reverse("desk_surveys:results_csv")).content.decode()
    assert csv_text.lstrip("\ufeff").splitlines()[1:] == [",0,0,,,,"] or "李客服" not in csv_text


def test_making_a_survey_and_sending_it_on_a_ticket(cast):
    client = signed_in(cast.owner)
    form = {
        "name": "售后回访",
        "intro": "",
        "q-TOTAL_FORMS": "2",
        "q-INITIAL_FORMS": "0",
        "q-0-kind": "single",
        "q-0-text": "问题解决了吗",
        "q-0-required": "on",
        "q-0-options": "解决了\n没有",
        "q-1-kind": "text",
        "q-1-text": "",
    }
    response = client.post(reverse("desk_surveys:survey_new"), form)
    assert response.status_code == 302
    survey_id = int(response["Location"].rstrip("/").split("/")[-1])

    ticket = solved_ticket(cast.shop)
    sent = client.post(
        reverse("desk_surveys:survey_send", args=[survey_id]), {"ticket_id": ticket.pk}
    )
    assert sent.status_code == 302
    invitation = Invitation.objects.get(survey_id=survey_id)
    assert invitation.status == InvitationStatus.SENT
    again = client.post(
        reverse("desk_surveys:survey_send", args=[survey_id]), {"ticket_id": ticket.pk}
    )
    assert again.status_code == 400 and "已经在这个工单上发过了" in again.content.decode()
    unknown = client.post(
        reverse("desk_surveys:survey_send", args=[survey_id]), {"ticket_id": 999999}
    )
    assert unknown.status_code == 400


def test_a_survey_with_a_bad_question_is_refused_and_nothing_is_stored(cast):
    client = signed_in(cast.owner)
    form = {
        "name": "坏问卷",
        "q-TOTAL_FORMS": "1",
        "q-INITIAL_FORMS": "0",
        "q-0-kind": "single",
        "q-0-text": "只有一个选项",
        "q-0-options": "唯一",
    }
    response = client.post(reverse("desk_surveys:survey_new"), form)
    assert response.status_code == 400
    from xiaonuo.desk.surveys.models import Survey

    assert not Survey.objects.exists()


# --- public pages -----------------------------------------------------------------------------


def public(language: str = "zh-hans") -> Client:
    return Client(headers={"Accept-Language": language})


def test_the_survey_page_needs_no_sign_in_and_shows_no_staff_chrome_or_personal_data(cast):
    configure(cast.shop)
    ticket = solved_ticket(cast.shop, assignee=cast.agent, customer_name="张三丰")
    invitation = csat_invitation(cast.shop, ticket)
    assert invitation.customer.name == "张三丰"
    url = reverse("desk_surveys:respond", args=[links.make_token(invitation)])
    page = public().get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "您对本次服务的评价是？" in html and "茶语" in html
    assert "xn-sidebar" not in html and "李客服" not in html
    assert invitation.customer.name not in html  # 张三's name is not shown
    assert page["Cache-Control"] == "no-store"

    english = public("en").get(url).content.decode()
    assert "How would you rate this service?" in english


def test_answering_redirects_to_the_thank_you_page_and_the_link_is_then_used_up(cast, invitation):
    client = public()
    url = reverse("desk_surveys:respond", args=[links.make_token(invitation)])
    response = client.post(url, {"score": "5", "comment": "<script>alert(1)</script>谢谢你们客服"})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk_surveys:thanks")
    assert "感谢您的反馈" in client.get(response["Location"]).content.decode()

    reused = client.post(url, {"score": "1"})
    assert reused.status_code == 409 and "已经提交过了" in reused.content.decode()
    assert client.get(url).status_code == 409
    assert Response.objects.get().score == 5

    # The comment is shown as text on the board
    board = signed_in(cast.owner).get(reverse("desk_surveys:praise")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;谢谢你们客服" in board
    assert "<script>alert(1)" not in board
    assert Praise.objects.count() == 1


def test_forged_and_expired_links_get_clear_pages_in_both_languages(cast, invitation):
    forged = reverse("desk_surveys:respond", args=["WzEsMV0:1tXyz:forgedsignature"])
    page = public().get(forged)
    assert page.status_code == 404 and "链接无效" in page.content.decode()
    assert "Invalid link" in public("en").get(forged).content.decode()

    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    expired = reverse("desk_surveys:respond", args=[links.make_token(invitation)])
    page = public().get(expired)
    assert page.status_code == 410 and "链接已过期" in page.content.decode()
    assert public().post(expired, {"score": "5"}).status_code == 410
    assert "Link expired" in public("en").get(expired).content.decode()
    assert not Response.objects.exists()


def test_a_bad_answer_shows_the_form_again_with_a_422_and_stores_nothing(cast, invitation):
    url = reverse("desk_surveys:respond", args=[links.make_token(invitation)])
    for data in ({}, {"score": "9"}, {"score": "3", "comment": "长" * 1001}):
        response = public().post(url, data)
        assert response.status_code == 422
        assert 'data-testid="error"' in response.content.decode()
    assert not Response.objects.exists()


def test_a_multi_question_survey_is_answered_through_its_page(cast, survey):
    ticket = solved_ticket(cast.shop)
    invitation = surveys_services.send_survey_on_ticket(
        workspace=cast.shop, survey_id=survey.pk, ticket_id=ticket.pk, actor=Actor(user=cast.owner)
    )
    questions = list(survey.questions.all())
    url = reverse("desk_surveys:respond", args=[links.make_token(invitation)])
    page = public().get(url).content.decode()
    assert "购物体验调查" in page and "喜欢什么" in page

    missing = public().post(url, {f"q{questions[1].pk}": "1"})
    assert missing.status_code == 422  # the required rating is missing
    bad_option = public().post(url, {f"q{questions[0].pk}": "4", f"q{questions[1].pk}": "7"})
    assert bad_option.status_code == 422

    ok = public().post(
        url,
        {
            f"q{questions[0].pk}": "4",
            f"q{questions[1].pk}": "2",
            f"q{questions[2].pk}": ["3", "1"],
            f"q{questions[3].pk}": "<b>多上新品</b>",
        },
    )
    assert ok.status_code == 302
    stored = Response.objects.get().answers
    assert stored == {
        str(questions[0].pk): 4,
        str(questions[1].pk): "广告",
        str(questions[2].pk): ["茶", "壶"],
        str(questions[3].pk): "<b>多上新品</b>",
    }
    detail = signed_in(cast.owner).get(reverse("desk_surveys:survey", args=[survey.pk]))
    html = detail.content.decode()
    assert "&lt;b&gt;多上新品&lt;/b&gt;" in html and "<b>多上新品</b>" not in html
