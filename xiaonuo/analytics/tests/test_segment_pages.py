"""The console's segment pages and lifecycle rules: build, count live, preview with masked
identifiers, export (permission, audit), bad definitions refused with a code, and tenancy for
every page (别家's owner never sees or counts 茶语's segments)."""

import csv
import io
import json

import pytest
from django.urls import reverse

from xiaonuo.accounts.models import AuditEntry
from xiaonuo.analytics import segments
from xiaonuo.analytics.models import LifecycleRules, Segment
from xiaonuo.analytics.tests.test_segments import decorate
from xiaonuo.customers.models import Customer
from xiaonuo.testing import make_customer, signed_in

pytestmark = pytest.mark.django_db
VIP = {"conditions": [{"type": "tag", "op": "has", "value": "VIP"}]}


@pytest.fixture
def shop(cast):
    for n in range(8):
        make_customer(workspace=cast.shop, name=f"客户{n}", phone=f"1380013{n:04d}")
    make_customer(workspace=cast.other_shop, name="别家客户", phone="13900000000")
    decorate(cast.shop)
    decorate(cast.other_shop)
    return cast


@pytest.fixture
def vip(shop):
    return segments.save_segment(workspace=shop.shop, name="VIP", definition=VIP)


def test_an_operator_builds_counts_and_saves_a_segment(shop):
    client = signed_in(shop.operator)
    page = client.get(reverse("analytics:segment_new"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="xn-builder"' in body and "xn-segment-labels" in body and "segments.js" in body
    expected = Customer.objects.filter(workspace=shop.shop, tags__name="VIP").count()
    count = client.post(reverse("analytics:segment_count"), {"definition": json.dumps(VIP)})
    assert count.status_code == 200
    assert f'data-count="{expected}"' in count.content.decode()
    saved = client.post(
        reverse("analytics:segment_new"),
        {"name": "会员", "description": "打了 VIP 标签", "definition": json.dumps(VIP)},
    )
    assert saved.status_code == 302
    segment = Segment.objects.get(workspace=shop.shop, name="会员")
    assert segment.definition["conditions"][0]["value"] == "VIP"


def test_bad_definitions_are_refused_with_a_code_and_nothing_is_saved(shop):
    client = signed_in(shop.operator)
    for text in ("{not json", json.dumps({"conditions": [{"type": "tag", "op": "like"}]})):
        count = client.post(reverse("analytics:segment_count"), {"definition": text})
        assert count.status_code == 400 and count["X-Error-Code"] == "segment_invalid"
        saved = client.post(reverse("analytics:segment_new"), {"name": "坏的", "definition": text})
        assert saved.status_code == 400
        assert 'data-code="segment_invalid"' in saved.content.decode()
    assert not Segment.objects.filter(workspace=shop.shop).exists()


def test_the_preview_masks_phones_unless_the_role_may_reveal(shop, vip):
    url = reverse("analytics:segment_preview", args=[vip.pk])
    masked = signed_in(shop.viewer).get(url).content.decode()
    assert "138****" in masked and "13800130000" not in masked
    revealed = signed_in(shop.agent).get(url).content.decode()
    assert "13800130000" in revealed


def test_the_export_needs_the_permission_and_is_audited(shop, vip):
    url = reverse("analytics:segment_export", args=[vip.pk])
    assert signed_in(shop.viewer).get(url).status_code == 403
    response = signed_in(shop.operator).get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    expected = sorted(
        Customer.objects.filter(workspace=shop.shop, tags__name="VIP").values_list("id", flat=True)
    )
    assert [int(r[0]) for r in rows[1:]] == expected
    assert all("****" in r[7] for r in rows[1:] if r[7])  # operators see masked phones
    assert AuditEntry.objects.filter(
        workspace=shop.shop, action="export", target_type="segment", target_id=str(vip.pk)
    ).exists()


def test_viewers_see_but_cannot_change(shop, vip):
    client = signed_in(shop.viewer)
    assert client.get(reverse("analytics:segments")).status_code == 200
    assert client.get(reverse("analytics:segment", args=[vip.pk])).status_code == 200
    changed = client.post(
        reverse("analytics:segment", args=[vip.pk]), {"name": "改名", "definition": json.dumps(VIP)}
    )
    assert changed.status_code == 403
    counted = client.get(reverse("analytics:segment_count") + f"?segment={vip.pk}")
    vips = Customer.objects.filter(workspace=shop.shop, tags__name="VIP").count()
    assert f'data-count="{vips}"' in counted.content.decode()
    assert client.post(reverse("analytics:segment_delete", args=[vip.pk])).status_code == 403
    assert client.post(reverse("analytics:lifecycle_rules"), {"new_days": 3}).status_code == 403
    assert Segment.objects.get(pk=vip.pk).name == "VIP"


def test_another_workspace_gets_not_found_on_every_segment_page(shop, vip):
    client = signed_in(shop.other_owner)
    listing = client.get(reverse("analytics:segments")).content.decode()
    assert "VIP" not in listing
    for name in ("analytics:segment", "analytics:segment_preview", "analytics:segment_export"):
        assert client.get(reverse(name, args=[vip.pk])).status_code == 404, name
    counted = client.get(reverse("analytics:segment_count") + f"?segment={vip.pk}")
    assert counted.status_code == 404
    assert client.post(reverse("analytics:segment_delete", args=[vip.pk])).status_code == 404
    edited = client.post(
        reverse("analytics:segment", args=[vip.pk]), {"name": "偷改", "definition": json.dumps(VIP)}
    )
    assert edited.status_code == 404
    # Counting the same rules in 别家 counts only 别家's customers.
    count = client.post(reverse("analytics:segment_count"), {"definition": json.dumps(VIP)})
    theirs = Customer.objects.filter(workspace=shop.other_shop, tags__name="VIP").count()
    assert f'data-count="{theirs}"' in count.content.decode()
    assert Segment.objects.get(pk=vip.pk).name == "VIP"


def test_lifecycle_rules_are_saved_per_workspace_and_checked(shop):
    client = signed_in(shop.operator)
    page = client.get(reverse("analytics:lifecycle_rules"))
    assert page.status_code == 200 and 'name="churned_days"' in page.content.decode()
    values = {
        "new_days": 7,
        "active_days": 21,
        "churned_days": 60,
        "loyal_window_days": 90,
        "purchase_event": "支付成功",
        "loyal_min_purchases": 2,
        "loyal_min_active_weeks": 4,
        "fan_min_nps": 9,
        "fan_min_csat": 5,
        "referral_event": "referral_signup",
    }
    assert client.post(reverse("analytics:lifecycle_rules"), values).status_code == 200
    rules = LifecycleRules.objects.get(workspace=shop.shop)
    assert (rules.new_days, rules.purchase_event, rules.seed_counts_as_ambassador) == (
        7,
        "支付成功",
        False,
    )
    bad = client.post(reverse("analytics:lifecycle_rules"), {**values, "churned_days": 10})
    assert bad.status_code == 400
    assert 'data-code="lifecycle_rules_invalid"' in bad.content.decode()
    assert LifecycleRules.objects.get(workspace=shop.shop).churned_days == 60
    assert not LifecycleRules.objects.filter(workspace=shop.other_shop).exists()
    other = signed_in(shop.other_owner).get(reverse("analytics:lifecycle_rules")).content.decode()
    assert 'value="14"' in other  # 别家 still has the defaults
