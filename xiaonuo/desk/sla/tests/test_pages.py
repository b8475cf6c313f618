"""The SLA console pages: business hours, holidays and their import, policies, the report and its
CSV — who may read and who may change them, and what bad input gets."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import TicketPriority
from xiaonuo.desk.sla import services as sla_services
from xiaonuo.desk.sla.models import BusinessCalendar, SlaEvent, SlaPolicy
from xiaonuo.desk.sla.services import PolicyInput
from xiaonuo.lib.workcalendar import WorkCalendar
from xiaonuo.testing import make_channel, make_ticket, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(cast):
    return sla_services.create_calendar(workspace=cast.shop, name="客服中心")


@pytest.fixture
def policy(cast, office):
    return sla_services.create_policy(
        workspace=cast.shop,
        data=PolicyInput(name="茶语标准", first_response_minutes=60, calendar_id=office.pk),
    )


def calendar_of(row):
    row.refresh_from_db()
    return WorkCalendar.from_json(row.definition)


# --- Tenancy and permissions -------------------------------------------------------------------


def test_another_workspaces_staff_get_404_for_its_calendars_and_policies(cast, office, policy):
    outsider = signed_in(cast.other_owner)
    for url in (
        reverse("desk_sla:calendar", args=[office.pk]),
        reverse("desk_sla:policy", args=[policy.pk]),
    ):
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {"action": "delete"}).status_code == 404
    assert BusinessCalendar.objects.filter(pk=office.pk).exists()
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    # Their own lists do not show 茶语's rows either.
    assert "客服中心" not in outsider.get(reverse("desk_sla:calendars")).content.decode()
    assert "茶语标准" not in outsider.get(reverse("desk_sla:policies")).content.decode()


def test_another_workspaces_report_counts_only_its_own_tickets(cast, policy):
    ticket = make_ticket(workspace=cast.shop)
    sla_services.record_sla_events(workspace=cast.shop, now=timezone.now() + timedelta(days=7))
    assert SlaEvent.objects.filter(ticket=ticket).count() == 1

    mine = signed_in(cast.owner).get(reverse("desk_sla:report_csv")).content.decode("utf-8-sig")
    theirs = signed_in(cast.other_owner).get(reverse("desk_sla:report_csv"))

    assert theirs.status_code == 200
    assert len(theirs.content.decode("utf-8-sig").strip().splitlines()) == 1  # the header only
    assert ",0,1," in mine  # 茶语's breached first response


def test_viewers_read_but_only_managers_change(cast, office, policy):
    viewer = signed_in(cast.viewer)
    for url in (
        reverse("desk_sla:calendars"),
        reverse("desk_sla:calendar", args=[office.pk]),
        reverse("desk_sla:policies"),
        reverse("desk_sla:policy", args=[policy.pk]),
        reverse("desk_sla:report"),
        reverse("desk_sla:report_csv"),
    ):
        assert viewer.get(url).status_code == 200, url
    agent = signed_in(cast.agent)
    assert (
        agent.post(reverse("desk_sla:policy", args=[policy.pk]), {"action": "delete"}).status_code
        == 403
    )
    assert (
        agent.post(reverse("desk_sla:calendars"), {"name": "夜班", "preset": "empty"}).status_code
        == 403
    )
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    assert BusinessCalendar.objects.filter(workspace=cast.shop).count() == 1


# --- Business hours ----------------------------------------------------------------------------


def hours_post(**week):
    data = {
        "action": "hours",
        "name": "客服中心",
        "timezone": "Asia/Shanghai",
        "makeup_hours_of": "fri",
    }
    data.update({day: "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    data.update(week)
    return data


def test_several_periods_a_day_and_a_night_shift_past_midnight_are_saved(cast, office):
    owner = signed_in(cast.owner)
    url = reverse("desk_sla:calendar", args=[office.pk])

    response = owner.post(
        url,
        hours_post(
            mon="09:00-12:00，13:30-18:00", fri="09:00-12:00 13:30-17:00", sat="22:00-02:00"
        ),
    )

    assert response.status_code == 302
    calendar = calendar_of(office)
    assert [str(p) for p in calendar.week[0]] == ["09:00-12:00", "13:30-18:00"]
    assert [str(p) for p in calendar.week[5]] == ["22:00-02:00"]
    assert calendar.makeup_hours_of == 4
    assert len(calendar.days) == 33  # the 2025 schedule of the preset is kept
    page = owner.get(url).content.decode()
    assert "22:00-02:00" in page


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ({"mon": "9点到6点"}, "不是有效的时段"),
        ({"tue": "09:00-09:00"}, "开始和结束相同"),
        ({"wed": "09:00-12:00 11:00-13:00"}, "时段互相重叠"),
        ({"sat": "22:00-10:00", "sun": "09:00-18:00"}, "时段互相重叠"),
    ],
)
def test_bad_hours_are_refused_with_a_clear_error_and_nothing_changes(cast, office, week, message):
    before = dict(office.definition)
    response = signed_in(cast.owner).post(
        reverse("desk_sla:calendar", args=[office.pk]), hours_post(**week)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    office.refresh_from_db()
    assert office.definition == before


def test_an_unknown_time_zone_is_refused(cast, office):
    response = signed_in(cast.owner).post(
        reverse("desk_sla:calendar", args=[office.pk]),
        hours_post(mon="09:00-18:00", timezone="Mars/Base"),
    )
    assert response.status_code == 400
    assert "未知时区" in response.content.decode()


# --- Holidays and make-up days -----------------------------------------------------------------


def test_a_years_schedule_text_is_imported_and_replaces_that_year(cast):
    blank = sla_services.create_calendar(workspace=cast.shop, name="空白", preset="empty")
    owner = signed_in(cast.owner)
    url = reverse("desk_sla:calendar", args=[blank.pk])
    owner.post(
        url,
        {
            "action": "import",
            "text": "2026-01-01,休,旧\n2026-05-01,休,劳动节",
            "replace_years": "on",
        },
    )

    text = "# 2026 元旦\n2026-01-01~2026-01-03,休,元旦\n2026-01-04,班,元旦调休,周一\n"
    response = owner.post(url, {"action": "import", "text": text, "replace_years": "on"})

    assert response.status_code == 302
    days = {(str(d.day), d.kind, d.name) for d in calendar_of(blank).days}
    assert days == {
        ("2026-01-01", "holiday", "元旦"),
        ("2026-01-02", "holiday", "元旦"),
        ("2026-01-03", "holiday", "元旦"),
        ("2026-01-04", "workday", "元旦调休"),
    }


def test_the_2025_official_schedule_is_offered_as_a_preset(cast):
    blank = sla_services.create_calendar(workspace=cast.shop, name="空白", preset="empty")
    response = signed_in(cast.owner).post(
        reverse("desk_sla:calendar", args=[blank.pk]), {"action": "official", "year": "2025"}
    )
    assert response.status_code == 302
    calendar = calendar_of(blank)
    assert len(calendar.days) == 33  # 28 days off and 5 make-up working days
    assert any(d.name.startswith("春节调休") for d in calendar.days)


def test_a_year_without_a_shipped_schedule_says_so(cast, office):
    response = signed_in(cast.owner).post(
        reverse("desk_sla:calendar", args=[office.pk]), {"action": "official", "year": "2031"}
    )
    assert response.status_code == 400
    assert "没有内置 2031 年" in response.content.decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-01-01,休,元旦\n2026-02-30,休,错日", "第 2 行，“2026-02-30”"),
        ("2026-01-01,休\n\n2026-01-02,放个假", "第 3 行，“放个假”"),
        ("2026-01-01,休\n2026-01-01,班", "第 2 行"),
        ("2026-01-01,休,元旦,周一", "放假的日子不能指定"),
        ("2026-01-01~2026-03-01,休", "最多 31 天"),
    ],
)
def test_schedule_errors_name_the_line_and_nothing_is_imported(cast, office, text, message):
    before = dict(office.definition)
    response = signed_in(cast.owner).post(
        reverse("desk_sla:calendar", args=[office.pk]), {"action": "import", "text": text}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    office.refresh_from_db()
    assert office.definition == before


def test_user_text_in_a_holiday_name_is_escaped(cast, office):
    signed_in(cast.owner).post(
        reverse("desk_sla:calendar", args=[office.pk]),
        {"action": "import", "text": "2026-06-01,休,<script>alert(1)</script>"},
    )
    page = (
        signed_in(cast.owner).get(reverse("desk_sla:calendar", args=[office.pk])).content.decode()
    )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_a_calendar_in_use_cannot_be_deleted_and_a_free_one_can(cast, office, policy):
    owner = signed_in(cast.owner)
    response = owner.post(reverse("desk_sla:calendar", args=[office.pk]), {"action": "delete"})
    assert response.status_code == 400
    assert "还有 SLA 策略在使用" in response.content.decode()
    spare = sla_services.create_calendar(workspace=cast.shop, name="备用", preset="always_open")
    assert (
        owner.post(reverse("desk_sla:calendar", args=[spare.pk]), {"action": "delete"}).status_code
        == 302
    )
    assert not BusinessCalendar.objects.filter(pk=spare.pk).exists()


def test_removing_one_special_day(cast, office):
    signed_in(cast.owner).post(
        reverse("desk_sla:calendar", args=[office.pk]),
        {"action": "remove_day", "date": "2025-01-26"},
    )
    assert "2025-01-26" not in {str(d.day) for d in calendar_of(office).days}


# --- Policies -----------------------------------------------------------------------------------


def policy_post(**overrides):
    data = {
        "name": "紧急",
        "priority": str(TicketPriority.URGENT),
        "channel": "",
        "first_response_minutes": "15",
        "resolution_minutes": "240",
        "clock": "calendar",
        "calendar": "",
        "pause_on_pending": "on",
        "warn_percent": "80",
        "warn_minutes_before": "",
    }
    data.update(overrides)
    return data


def test_a_policy_is_created_and_edited(cast, office):
    owner = signed_in(cast.owner)
    channel = make_channel(workspace=cast.shop, name="官网聊天")
    response = owner.post(reverse("desk_sla:policies"), policy_post(channel=str(channel.pk)))
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(workspace=cast.shop)
    assert (policy.priority, policy.channel_id, policy.pause_on_pending, policy.pause_on_hold) == (
        TicketPriority.URGENT,
        channel.pk,
        True,
        False,
    )
    response = owner.post(
        reverse("desk_sla:policy", args=[policy.pk]),
        policy_post(clock="business", calendar=str(office.pk), first_response_minutes="30"),
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.clock, policy.calendar_id, policy.first_response_minutes) == (
        "business",
        office.pk,
        30,
    )
    assert "官网聊天" in owner.get(reverse("desk_sla:policies")).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_response_minutes": "", "resolution_minutes": ""}, "请至少设置"),
        ({"clock": "business"}, "需要选择一个工作时间表"),
        ({"first_response_minutes": "abc"}, "输入整数"),
        ({"warn_percent": "150"}, "小于或等于99"),
        ({"resolution_minutes": "999999999"}, "1 分钟到 365 天"),
        ({"name": "  "}, "必填"),
    ],
)
def test_bad_policies_are_refused_with_a_clear_error(cast, overrides, message):
    response = signed_in(cast.owner).post(reverse("desk_sla:policies"), policy_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SlaPolicy.objects.filter(workspace=cast.shop).exists()


def test_another_workspaces_channel_or_calendar_cannot_be_named(cast):
    foreign_channel = make_channel(workspace=cast.other_shop)
    foreign_calendar = sla_services.create_calendar(workspace=cast.other_shop, name="别家时间")
    owner = signed_in(cast.owner)
    for overrides in (
        {"channel": str(foreign_channel.pk)},
        {"clock": "business", "calendar": str(foreign_calendar.pk)},
    ):
        assert owner.post(reverse("desk_sla:policies"), policy_post(**overrides)).status_code == 400
    assert not SlaPolicy.objects.filter(workspace=cast.shop).exists()


def test_two_policies_for_one_scope_are_refused(cast, policy):
    response = signed_in(cast.owner).post(
        reverse("desk_sla:policies"), policy_post(name="又一个默认", priority="")
    )
    assert response.status_code == 400
    assert "已有策略适用于同样的优先级和渠道组合" in response.content.decode()


# --- Report -------------------------------------------------------------------------------------


def test_the_report_shows_rates_by_period_channel_priority_and_agent_with_a_chart(cast):
    sla_services.create_policy(
        workspace=cast.shop,
        data=PolicyInput(name="默认", first_response_minutes=60, clock="calendar"),
    )
    channel = make_channel(workspace=cast.shop, name="官网聊天")
    answered = make_ticket(workspace=cast.shop, channel=channel, assignee=cast.agent)
    desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=answered.pk,
        text="您好，已为您查询",
        actor=Actor(user=cast.agent),
    )
    late = make_ticket(workspace=cast.shop, channel=channel, assignee=cast.agent)
    sla_services.record_sla_events(workspace=cast.shop, now=timezone.now() + timedelta(hours=2))
    assert SlaEvent.objects.filter(ticket__in=[answered, late]).count() == 2

    response = signed_in(cast.viewer).get(reverse("desk_sla:report"), {"period": "week"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="first-rate">50%' in page
    for label in ("官网聊天", "普通", "李客服", "xn-sla-chart-data"):
        assert label in page
    csv_text = (
        signed_in(cast.viewer).get(reverse("desk_sla:report_csv")).content.decode("utf-8-sig")
    )
    assert "李客服,1,2,50.0" in csv_text


@pytest.mark.parametrize(
    "params",
    [{"start": "2025-13-01"}, {"start": "2025-03-10", "end": "2025-03-01"}, {"period": "hour"}],
)
def test_bad_report_parameters_get_400_with_a_clear_error(cast, params):
    response = signed_in(cast.owner).get(reverse("desk_sla:report"), params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert signed_in(cast.owner).get(reverse("desk_sla:report_csv"), params).status_code == 400


def test_the_pages_read_in_english(cast, office, policy):
    client = signed_in(cast.owner)
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        pages = [
            client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE="en").content.decode()
            for name, args in (
                ("desk_sla:calendars", []),
                ("desk_sla:calendar", [office.pk]),
                ("desk_sla:policies", []),
                ("desk_sla:report", []),
            )
        ]
    assert "Business hours and holidays" in pages[0]
    assert "Weekly business hours" in pages[1]
    assert "SLA policies" in pages[2]
    assert "First response met" in pages[3]
