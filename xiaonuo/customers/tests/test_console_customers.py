"""The customer pages of the console, driven with plain GET/POST (no JavaScript)."""

import pytest

from xiaonuo.accounts.models import AuditAction, AuditEntry
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer, Identity, MergeRecord
from xiaonuo.testing import make_customer, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def chen(cast):
    return make_customer(
        workspace=cast.shop, name="陈静", phone="13812341234", city="杭州", tags=["老客"]
    )


def test_the_list_shows_customers_with_phones_masked_for_every_role(cast, chen):
    for user in (cast.owner, cast.agent, cast.operator, cast.viewer):
        response = signed_in(user).get("/customers/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "陈静" in body
        assert "138****1234" in body
        assert "13812341234" not in body


def test_the_list_filters_by_search_stage_tag_and_seed_flag(cast, chen):
    make_customer(workspace=cast.shop, name="王伟", lifecycle_stage="loyal", is_seed=True)
    client = signed_in(cast.viewer)
    assert "陈静" in client.get("/customers/?q=陈").content.decode()
    assert "王伟" not in client.get("/customers/?q=陈").content.decode()
    assert "陈静" in client.get("/customers/?q=1381234").content.decode()
    body = client.get("/customers/?stage=loyal").content.decode()
    assert "王伟" in body and "陈静" not in body
    body = client.get("/customers/?tag=老客").content.decode()
    assert "陈静" in body and "王伟" not in body
    body = client.get("/customers/?seed=1").content.decode()
    assert "王伟" in body and "陈静" not in body


def test_the_list_pages_by_id_without_counting_the_table(cast, django_assert_max_num_queries):
    for i in range(55):
        make_customer(workspace=cast.shop, name=f"用户{i:02d}")
    client = signed_in(cast.viewer)
    first = client.get("/customers/")
    assert first.context["has_next"] is True
    assert len(first.context["rows"]) == 50
    second = client.get(f"/customers/?before={first.context['next_before']}")
    assert len(second.context["rows"]) == 5
    assert second.context["has_next"] is False
    with django_assert_max_num_queries(12):
        client.get("/customers/")


def test_an_empty_list_says_how_customers_arrive(cast):
    body = signed_in(cast.viewer).get("/customers/").content.decode()
    assert "还没有用户" in body


def test_the_customer_page_shows_identities_masked_and_tags(cast, chen):
    response = signed_in(cast.viewer).get(f"/customers/{chen.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "138****1234" in body and "13812341234" not in body
    assert "老客" in body
    assert "显示" not in body  # a viewer may not reveal
    assert "杭州" in body


def test_the_customer_page_names_attributes_by_their_declared_label(cast):
    customers_services.declare_attribute(
        workspace=cast.shop, key="member_level", label="会员等级", type="text"
    )
    customer = make_customer(workspace=cast.shop, attributes={"member_level": "金卡"})
    body = signed_in(cast.viewer).get(f"/customers/{customer.pk}/").content.decode()
    assert "会员等级" in body and "金卡" in body and "member_level" not in body


def test_an_agent_reveals_a_phone_number_and_the_reveal_is_audited(cast, chen):
    phone = Identity.objects.get(customer=chen, kind="phone")
    client = signed_in(cast.agent)
    assert "显示" in client.get(f"/customers/{chen.pk}/").content.decode()
    response = client.post(f"/customers/{chen.pk}/identities/{phone.pk}/reveal/")
    assert response.status_code == 200
    assert "13812341234" in response.content.decode()
    entry = AuditEntry.objects.get(workspace=cast.shop, action=AuditAction.REVEAL)
    assert entry.actor == cast.agent
    assert entry.target_id == str(chen.pk)


def test_the_htmx_reveal_returns_only_the_value(cast, chen):
    phone = Identity.objects.get(customer=chen, kind="phone")
    response = signed_in(cast.agent).post(
        f"/customers/{chen.pk}/identities/{phone.pk}/reveal/", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "13812341234" in body
    assert "<html" not in body


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_viewers_and_operators_cannot_reveal(cast, chen, role):
    phone = Identity.objects.get(customer=chen, kind="phone")
    response = signed_in(getattr(cast, role)).post(
        f"/customers/{chen.pk}/identities/{phone.pk}/reveal/"
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_an_operator_edits_tags_stage_seed_and_consent(cast, chen):
    response = signed_in(cast.operator).post(
        f"/customers/{chen.pk}/edit/",
        {
            "lifecycle_stage": "fan",
            "tags": "老客，爱喝乌龙, VIP",
            "is_seed": "on",
            "consent": ["sms"],
        },
    )
    assert response.status_code == 302
    chen.refresh_from_db()
    assert chen.lifecycle_stage == "fan"
    assert chen.is_seed is True
    assert sorted(t.name for t in chen.tags.all()) == ["VIP", "爱喝乌龙", "老客"]
    assert chen.consent["sms"] is True and chen.consent["marketing"] is False


def test_a_viewer_cannot_edit(cast, chen):
    response = signed_in(cast.viewer).post(
        f"/customers/{chen.pk}/edit/", {"lifecycle_stage": "fan"}
    )
    assert response.status_code == 403


def test_merge_asks_for_confirmation_then_folds_the_other_customer_in(cast, chen):
    dup = make_customer(
        workspace=cast.shop, name="陈静2", identities={"email": "chen@example.com"}, tags=["微信"]
    )
    client = signed_in(cast.operator)
    search = client.get(f"/customers/{chen.pk}/merge/?q=陈静2")
    assert search.status_code == 200 and f"?other={dup.pk}" in search.content.decode()
    confirm = client.get(f"/customers/{chen.pk}/merge/?other={dup.pk}")
    body = confirm.content.decode()
    assert "确认合并" in body and "c***@example.com" in body and "微信" in body
    response = client.post(f"/customers/{chen.pk}/merge/", {"other_id": dup.pk})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=dup.pk).exists()
    assert MergeRecord.objects.filter(merged_id=dup.pk, survivor=chen).exists()
    assert Identity.objects.filter(customer=chen, kind="email").exists()
    # The old id now leads to the survivor.
    assert client.get(f"/customers/{dup.pk}/").url == f"/customers/{chen.pk}/"


def test_an_agent_cannot_merge(cast, chen):
    assert signed_in(cast.agent).get(f"/customers/{chen.pk}/merge/").status_code == 403


def test_erase_requires_typing_the_name_or_id(cast, chen):
    client = signed_in(cast.owner)
    assert client.get(f"/customers/{chen.pk}/erase/").status_code == 200
    wrong = client.post(f"/customers/{chen.pk}/erase/", {"confirm": "陈"})
    assert wrong.status_code == 400
    assert Customer.objects.filter(pk=chen.pk).exists()
    response = client.post(f"/customers/{chen.pk}/erase/", {"confirm": "陈静"})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=chen.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.ERASE, target_id=str(chen.pk)).exists()


@pytest.mark.parametrize("role", ["agent", "operator", "viewer"])
def test_only_owners_and_admins_may_erase(cast, chen, role):
    assert (
        signed_in(getattr(cast, role))
        .post(f"/customers/{chen.pk}/erase/", {"confirm": "陈静"})
        .status_code
        == 403
    )
    assert Customer.objects.filter(pk=chen.pk).exists()


def test_user_content_is_escaped(cast):
    evil = make_customer(workspace=cast.shop, name="<script>alert(1)</script>")
    body = signed_in(cast.viewer).get(f"/customers/{evil.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_the_list_links_to_export_of_the_current_filters_and_to_import_for_operators(cast, chen):
    body = signed_in(cast.operator).get("/customers/?q=陈&stage=new&before=999").content.decode()
    assert 'href="/customers/export.csv?q=%E9%99%88&amp;stage=new"' in body
    assert 'href="/customers/import/"' in body
    viewer = signed_in(cast.viewer).get("/customers/").content.decode()
    assert "export.csv" not in viewer and "/customers/import/" not in viewer
