"""Segments: every kind of condition, AND/OR groups and "did not do" equal a brute-force Python
evaluation over the same customers and stored events (lake + tail, merges, anonymous ids);
bad definitions are refused with ``segment_invalid`` naming the place; saved segments stay in
their workspace."""

import json
from collections import Counter
from datetime import timedelta

import pytest

from xiaonuo.analytics import segments, selectors
from xiaonuo.analytics.reports import rfm
from xiaonuo.analytics.tests import data
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_customer

pytestmark = pytest.mark.django_db
CITIES = ("上海", "杭州", "成都")
STAGES = ("new", "active", "loyal", "at_risk")


def decorate(workspace):
    """Attributes, tags, stages and seed flags that vary across the customers, and a few
    customers without any event."""
    for n in range(4):
        make_customer(workspace=workspace, name=f"无事件{n}")
    for i, customer in enumerate(Customer.objects.filter(workspace=workspace).order_by("id")):
        attributes = {"level": i % 5} if i % 6 else {}
        if i % 3 == 0:
            attributes["source"] = "门店扫码"
        customers_services.update_customer(
            workspace=workspace,
            customer_id=customer.pk,
            changes=CustomerChanges(
                city=CITIES[i % 3],
                lifecycle_stage=STAGES[i % 4],
                is_seed=i % 7 == 0,
                tags=["VIP"] if i % 4 == 0 else ["老客"] if i % 4 == 1 else [],
            ),
        )
        Customer.objects.filter(pk=customer.pk).update(attributes=attributes)


@pytest.fixture
def shop(cast, tmp_path):
    data.make_history(cast.shop, tmp_path)
    decorate(cast.shop)
    # The other workspace has customers and events of its own that must never show up.
    data.make_history(cast.other_shop, tmp_path, seed=2, customers=10)
    decorate(cast.other_shop)
    return cast.shop


# --- Brute force ---------------------------------------------------------------------------------


def brute(workspace, definition, events, rfm_segments):
    customers = {
        c.pk: c for c in Customer.objects.filter(workspace=workspace).prefetch_related("tags")
    }

    def leaf(c, cond):
        kind = cond["type"]
        if kind == "attribute":
            return attribute(c, cond)
        if kind == "tag":
            has = cond["value"] in {t.name for t in c.tags.all()}
            return has if cond["op"] == "has" else not has
        if kind == "lifecycle_stage":
            inside = c.lifecycle_stage in cond["value"]
            return inside if cond["op"] == "in" else not inside
        if kind == "seed":
            return c.is_seed == cond["value"]
        if kind == "rfm_segment":
            inside = rfm_segments.get(c.pk) in cond["value"]
            return inside if cond["op"] == "in" else not inside
        since = (
            data.AS_OF - timedelta(days=cond["within_days"]) if cond.get("within_days") else None
        )
        n = sum(
            1
            for e in events
            if e.customer_id == c.pk and e.name == cond["event"] and (since is None or e.at > since)
        )
        op, want = cond.get("op", "at_least"), cond.get("count", 1)
        return {
            "at_least": n >= want,
            "at_most": n <= want,
            "exactly": n == want,
            "none": n == 0,
        }[op]

    def node(c, n):
        if "conditions" in n:
            results = [node(c, x) for x in n["conditions"]]
            return all(results) if n.get("match", "all") == "all" else any(results)
        return leaf(c, n)

    return sorted(pk for pk, c in customers.items() if node(c, definition))


def attribute(c, cond):
    field, op, value = cond["field"], cond["op"], cond.get("value")
    if field.startswith("attributes."):
        key = field.removeprefix("attributes.")
        present = key in c.attributes
        have = c.attributes.get(key)
    else:
        have = getattr(c, field)
        present = have != ""
    if op == "is_set":
        return present
    if op == "is_not_set":
        return not present
    if op in ("ne", "not_in"):
        return not present or (have != value if op == "ne" else have not in value)
    if not present:
        return False
    if op == "eq":
        return have == value
    if op == "in":
        return have in value
    if op == "contains":
        return str(value).lower() in str(have).lower()
    return {"gt": have > value, "gte": have >= value, "lt": have < value, "lte": have <= value}[op]


DEFINITIONS = {
    "city": {"conditions": [{"type": "attribute", "field": "city", "op": "eq", "value": "上海"}]},
    "level at least 3": {
        "conditions": [{"type": "attribute", "field": "attributes.level", "op": "gte", "value": 3}]
    },
    "level not 2 (missing counts)": {
        "conditions": [{"type": "attribute", "field": "attributes.level", "op": "ne", "value": 2}]
    },
    "source set / contains": {
        "match": "any",
        "conditions": [
            {"type": "attribute", "field": "attributes.source", "op": "contains", "value": "扫码"},
            {"type": "attribute", "field": "city", "op": "in", "value": ["成都"]},
        ],
    },
    "tag": {"conditions": [{"type": "tag", "op": "has", "value": "VIP"}]},
    "no tag": {"conditions": [{"type": "tag", "op": "has_not", "value": "VIP"}]},
    "stage and seed": {
        "match": "any",
        "conditions": [
            {"type": "lifecycle_stage", "op": "in", "value": ["loyal", "at_risk"]},
            {"type": "seed", "value": True},
        ],
    },
    "paid 3+ times in 30 days": {
        "conditions": [
            {"type": "event", "event": "支付成功", "op": "at_least", "count": 3, "within_days": 30}
        ]
    },
    "did not open in 14 days": {
        "conditions": [{"type": "event", "event": "打开小程序", "op": "none", "within_days": 14}]
    },
    "at most 1 order ever": {
        "conditions": [{"type": "event", "event": "下单", "op": "at_most", "count": 1}]
    },
    "exactly 2 carts in 60 days": {
        "conditions": [
            {"type": "event", "event": "加入购物车", "op": "exactly", "count": 2, "within_days": 60}
        ]
    },
    "rfm": {"conditions": [{"type": "rfm_segment", "op": "in", "value": ["champions", "loyal"]}]},
    "not rfm hibernating": {
        "conditions": [{"type": "rfm_segment", "op": "not_in", "value": ["hibernating"]}]
    },
    "mixed AND with OR group": {
        "match": "all",
        "conditions": [
            {"type": "attribute", "field": "city", "op": "ne", "value": "杭州"},
            {
                "type": "event",
                "event": "打开小程序",
                "op": "at_least",
                "count": 1,
                "within_days": 30,
            },
            {
                "match": "any",
                "conditions": [
                    {"type": "tag", "op": "has", "value": "VIP"},
                    {"type": "event", "event": "支付成功", "op": "none", "within_days": 20},
                    {"type": "seed", "value": True},
                ],
            },
        ],
    },
    "mixed OR with AND group": {
        "match": "any",
        "conditions": [
            {"type": "event", "event": "下单", "op": "none"},
            {
                "match": "all",
                "conditions": [
                    {"type": "lifecycle_stage", "op": "not_in", "value": ["new"]},
                    {"type": "event", "event": "支付成功", "op": "at_least", "count": 2},
                ],
            },
        ],
    },
    "OR of groups, one of them SQL only": {
        "match": "any",
        "conditions": [
            {"type": "seed", "value": True},
            {
                "match": "all",
                "conditions": [
                    {"type": "event", "event": "支付成功", "op": "at_least", "count": 2},
                    {"type": "tag", "op": "has_not", "value": "VIP"},
                ],
            },
            {
                "match": "any",
                "conditions": [
                    {"type": "attribute", "field": "city", "op": "eq", "value": "成都"},
                    {"type": "lifecycle_stage", "op": "in", "value": ["new"]},
                ],
            },
        ],
    },
    "AND with a SQL-only group and a did-not group": {
        "conditions": [
            {
                "type": "event",
                "event": "打开小程序",
                "op": "at_least",
                "count": 2,
                "within_days": 45,
            },
            {
                "match": "any",
                "conditions": [
                    {"type": "attribute", "field": "attributes.level", "op": "lt", "value": 2},
                    {"type": "attribute", "field": "attributes.source", "op": "is_set"},
                ],
            },
            {
                "match": "any",
                "conditions": [
                    {
                        "type": "event",
                        "event": "下单",
                        "op": "at_most",
                        "count": 1,
                        "within_days": 30,
                    },
                    {"type": "rfm_segment", "op": "not_in", "value": ["champions"]},
                ],
            },
        ],
    },
    "only negatives": {
        "conditions": [
            {"type": "event", "event": "下单", "op": "none", "within_days": 7},
            {"type": "event", "event": "支付成功", "op": "at_most", "count": 0, "within_days": 7},
        ]
    },
}


def test_every_definition_matches_brute_force(shop):
    events = data.stored_events(shop)
    rfm_segments = {
        r["customer_id"]: r["segment"]
        for r in selectors.list_rfm_customers(workspace=shop, engine="duckdb", as_of=data.AS_OF)
    }
    assert set(rfm_segments.values()) & set(rfm.SEGMENTS)
    for label, definition in DEFINITIONS.items():
        expected = brute(shop, definition, events, rfm_segments)
        got = segments.evaluate(
            workspace=shop, definition=definition, engine="duckdb", as_of=data.AS_OF
        )
        assert got.tolist() == expected, label
        assert segments.count(
            workspace=shop, definition=definition, engine="duckdb", as_of=data.AS_OF
        ) == len(expected), label
    # The data exercise both sides of each kind: nothing above is trivially empty or everyone.
    sizes = Counter(len(brute(shop, d, events, rfm_segments)) > 0 for d in DEFINITIONS.values())
    assert sizes[True] == len(DEFINITIONS)


@pytest.mark.parametrize(
    ("definition", "where"),
    [
        ({}, "conditions"),
        ({"conditions": []}, "conditions"),
        ({"conditions": [{"type": "colour", "value": 1}]}, "conditions.0"),
        ({"conditions": [{"type": "tag", "op": "like", "value": "VIP"}]}, "conditions.0.tag.op"),
        (
            {"conditions": [{"type": "attribute", "field": "password", "op": "eq", "value": 1}]},
            "conditions.0.attribute.field",
        ),
        (
            {"conditions": [{"type": "event", "event": "x", "count": 2, "unknown": 1}]},
            "conditions.0.event.unknown",
        ),
        (
            {"conditions": [{"type": "event", "event": "x", "op": "at_least", "count": 0}]},
            "conditions.0.event",
        ),
        (
            {"conditions": [{"match": "any", "conditions": [{"match": "all", "conditions": []}]}]},
            "conditions.0",
        ),
        ({"match": "xor", "conditions": [{"type": "seed", "value": True}]}, "match"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_place(cast, definition, where):
    with pytest.raises(ServiceError) as caught:
        segments.evaluate(workspace=cast.shop, definition=definition)
    assert caught.value.code == "segment_invalid"
    assert caught.value.details["field"].startswith(where)


def test_saved_segments_stay_in_their_workspace(shop, cast):
    definition = DEFINITIONS["tag"]
    saved = segments.save_segment(workspace=shop, name="VIP", definition=definition)
    ids = segments.segment_customer_ids(workspace=shop, segment_id=saved.pk)
    assert len(ids) and set(
        Customer.objects.filter(pk__in=ids.tolist()).values_list("workspace_id", flat=True)
    ) == {shop.pk}
    with pytest.raises(ServiceError) as caught:
        segments.segment_customer_ids(workspace=cast.other_shop, segment_id=saved.pk)
    assert caught.value.code == "segment_not_found" and caught.value.status == 404
    with pytest.raises(ServiceError) as taken:
        segments.save_segment(workspace=shop, name="VIP", definition=definition)
    assert taken.value.code == "segment_name_taken"
    # The same name is free in another workspace.
    segments.save_segment(workspace=cast.other_shop, name="VIP", definition=definition)


def test_an_empty_workspace_has_empty_segments(cast):
    for definition in DEFINITIONS.values():
        assert segments.count(workspace=cast.shop, definition=definition, engine="duckdb") == 0


def test_the_command_prints_a_segments_ids_or_count(shop, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    definition = DEFINITIONS["mixed AND with OR group"]
    path = tmp_path / "segment.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    expected = segments.evaluate(workspace=shop, definition=definition, as_of=data.AS_OF)
    out = StringIO()
    args = ["--workspace", shop.slug, "--as-of", data.AS_OF.isoformat()]
    call_command("analytics", "segment", *args, "--definition", str(path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "customer_id" and [int(x) for x in lines[1:]] == expected.tolist()
    saved = segments.save_segment(workspace=shop, name="混合", definition=definition)
    out = StringIO()
    call_command("analytics", "segment", *args, "--id", str(saved.pk), "--count", stdout=out)
    assert out.getvalue().strip() == str(len(expected))
    path.write_text(json.dumps({"conditions": [{"type": "tag", "op": "like"}]}), encoding="utf-8")
    with pytest.raises(CommandError, match="conditions.0"):
        call_command("analytics", "segment", *args, "--definition", str(path))
