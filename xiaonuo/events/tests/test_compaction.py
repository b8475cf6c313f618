"""Compaction moves the tail into the lake exactly once; verify finds and repairs damage."""

import io
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from xiaonuo.accounts.services import Actor
from xiaonuo.accounts.tests.processes import REPO, child_env, database_url
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Identity
from xiaonuo.events import compaction, lake, lake_import, lake_verify, storage
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events.models import Event, EventDayCount, LakeFile
from xiaonuo.testing import api_client, make_api_key

# Compaction reads the tail through a connection of its own (ADBC), which sees committed rows
# only: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

OCT_1 = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
EVENTS_EACH = 12_000


def track(secret, *events):
    response = api_client(secret).post(
        "/api/v1/track", {"batch": list(events)}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    return response.json()


def event(user, name, message_id, when="2026-10-01T12:00:00+08:00"):
    return {"user_id": user, "event": name, "message_id": message_id, "timestamp": when}


def lake_ids(workspace):
    return sorted(e.message_id for e in lake.all_events(workspace_id=workspace.pk))


def day_counts(workspace):
    return dict(EventDayCount.objects.filter(workspace=workspace).values_list("day", "count"))


def test_compaction_moves_the_tail_into_the_lake_once(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "下单", "a"), event("m-1", "浏览", "b"), event("m-2", "下单", "c"))
    _, other = make_api_key(workspace=cast.other_shop)
    track(other, event("x-1", "别家下单", "a"))
    counts = day_counts(cast.shop)

    result = compaction.compact()

    assert (result.read, result.written, result.duplicates) == (4, 4, 0)
    assert lake_ids(cast.shop) == ["a", "b", "c"]
    assert lake_ids(cast.other_shop) == ["a"]
    assert not events_selectors.uncompacted_events(workspace=cast.shop).exists()
    assert day_counts(cast.shop) == counts  # counted once, when the tail accepted them
    customer = Identity.objects.get(workspace=cast.shop, value="m-1").customer_id
    items, total = events_selectors.page_customer_events(workspace=cast.shop, customer_id=customer)
    assert sorted(e.name for e in items) == ["下单", "浏览"] and total == 2
    # A second run has nothing to do.
    assert compaction.compact().read == 0
    assert lake_ids(cast.shop) == ["a", "b", "c"]


def test_odd_text_and_ids_compact_unchanged(cast):
    """What the SQLite tail reader splits on (a NUL byte) inside a value, empty strings, a
    missing customer and message ids of every shape come out of the lake as they went in."""
    name = "含\x00零字节" if connection.vendor == "sqlite" else "普通"  # PostgreSQL refuses NUL
    rows = [
        ("0b6f4b8e-9c55-4c1e-9a57-2f1d0c3e4a5b", name, {"a": "b,c"}),
        ("0B6F4B8E-9C55-4C1E-9A57-2F1D0C3E4A5C", "", {}),
        ("订单-1", "浏览", {"嵌套": {"x": [1, 2]}}),
    ]
    with transaction.atomic():
        storage.insert_events(
            workspace_id=cast.shop.pk,
            records=[
                storage.EventRecord(
                    customer_id=None,
                    type="track",
                    name=n,
                    properties=props,
                    user_id="",
                    anonymous_id="anon-1",
                    message_id=m,
                    timestamp=OCT_1,
                )
                for m, n, props in rows
            ],
            received_at=OCT_1,
        )

    assert compaction.compact().written == 3

    got = {
        e.message_id: (e.name, e.properties, e.customer_id, e.anonymous_id, e.timestamp)
        for e in lake.all_events(workspace_id=cast.shop.pk)
    }
    assert got == {m: (n, props, None, "anon-1", OCT_1) for m, n, props in rows}


def test_an_event_sent_again_after_its_history_was_imported_is_dropped(cast, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(
        "type,user_id,anonymous_id,event,properties,timestamp,message_id\n"
        "track,m-1,,下单,{},2026-10-01T12:00:00+08:00,a\n",
        encoding="utf-8",
    )
    lake_import.import_event_file(workspace=cast.shop, path=path)
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "下单", "a"), event("m-1", "新的", "b"))
    assert sum(day_counts(cast.shop).values()) == 3  # the tail did not know about the lake

    result = compaction.compact()

    assert (result.written, result.duplicates) == (1, 1)
    assert lake_ids(cast.shop) == ["a", "b"]
    assert sum(day_counts(cast.shop).values()) == 2


def test_late_events_and_merges_after_compaction(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "甲下单", "a"), event("m-2", "乙下单", "b"))
    compaction.compact()
    # An event of a day already compacted arrives late.
    track(secret, event("m-1", "迟到的", "late", "2026-09-01T12:00:00+08:00"))
    compaction.compact()
    assert lake_ids(cast.shop) == ["a", "b", "late"]
    survivor = Identity.objects.get(workspace=cast.shop, value="m-1").customer_id
    merged = Identity.objects.get(workspace=cast.shop, value="m-2").customer_id

    customers_services.merge_customers(
        workspace=cast.shop, survivor_id=survivor, merged_id=merged, actor=Actor()
    )

    names = [
        e.name
        for e in events_selectors.list_customer_events(workspace=cast.shop, customer_id=survivor)
    ]
    assert sorted(names) == ["乙下单", "甲下单", "迟到的"]


def test_properties_of_a_new_shape_compact_with_the_old(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, {**event("m-1", "下单", "a"), "properties": {"amount": 12}})
    compaction.compact()
    track(secret, {**event("m-1", "下单", "b"), "properties": {"amount": "十二", "items": [1, 2]}})
    compaction.compact()

    props = {e.message_id: e.properties for e in lake.all_events(workspace_id=cast.shop.pk)}
    assert props == {"a": {"amount": 12}, "b": {"amount": "十二", "items": [1, 2]}}


def test_erasure_after_compaction_leaves_nothing_of_the_person(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("gone", "要删除的", "a"), event("stay", "要保留的", "b"))
    compaction.compact()
    gone = Identity.objects.get(workspace=cast.shop, value="gone").customer_id

    customers_services.erase_customer(workspace=cast.shop, customer_id=gone, actor=Actor())

    assert lake_ids(cast.shop) == ["b"]
    assert len(list((lake.lake_root() / "events").rglob("*.parquet"))) == 1  # old file deleted
    assert not Event.objects.filter(workspace=cast.shop, message_id="a").exists()


def test_the_tail_is_purged_after_the_retention_and_the_lake_still_answers(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "下单", "a"))
    compaction.compact()
    track(secret, event("m-1", "未压缩", "b"))  # above the watermark: never purged
    Event.objects.filter(message_id="a").update(received_at=timezone.now() - timedelta(days=8))

    assert compaction.purge_compacted_tail(keep_days=7) == 1

    assert list(Event.objects.values_list("message_id", flat=True)) == ["b"]
    customer = Identity.objects.get(workspace=cast.shop, value="m-1").customer_id
    names = [
        e.name
        for e in events_selectors.list_customer_events(workspace=cast.shop, customer_id=customer)
    ]
    assert sorted(names) == ["下单", "未压缩"]


# --- verify ------------------------------------------------------------------------------------


def verify_output(*args):
    out = io.StringIO()
    try:
        call_command("lake", "verify", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_verify_passes_on_a_whole_lake(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "下单", "a"))
    compaction.compact()

    output, error = verify_output()

    assert error is None
    assert "1 file(s), 1 event(s) listed; 0 problem(s)" in output


def test_verify_finds_an_orphan_and_repair_removes_it(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "下单", "a"))
    compaction.compact()
    listed = LakeFile.objects.get()
    orphan = (lake.lake_root() / listed.path).with_name("orphan.parquet")
    orphan.write_bytes((lake.lake_root() / listed.path).read_bytes())

    output, error = verify_output()
    assert error is not None and "orphan:" in output

    output, error = verify_output("--repair")
    assert "removed orphan" in output
    assert not orphan.exists()
    assert verify_output()[1] is None


def test_a_half_written_file_is_rebuilt_from_the_tail(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "下单", "a"), event("m-2", "下单", "b"))
    compaction.compact()
    listed = LakeFile.objects.get()
    path = lake.lake_root() / listed.path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # torn

    output, error = verify_output()
    assert error is not None and "unreadable:" in output

    output, error = verify_output("--repair")
    assert "rebuilt file" in output and "2 event(s)" in output
    assert lake_ids(cast.shop) == ["a", "b"]
    assert verify_output()[1] is None
    assert (lake.lake_root() / "quarantine" / listed.path).exists()  # kept for inspection


def test_a_broken_imported_file_is_quarantined_and_the_loss_is_said(cast, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(
        "type,user_id,anonymous_id,event,properties,timestamp,message_id\n"
        "track,m-1,,下单,{},2026-09-01T12:00:00+08:00,a\n"
        "track,m-1,,下单,{},2026-09-02T12:00:00+08:00,b\n",
        encoding="utf-8",
    )
    lake_import.import_event_file(workspace=cast.shop, path=path)
    broken = LakeFile.objects.order_by("day").first()
    (lake.lake_root() / broken.path).write_bytes(b"not parquet at all")

    output, error = verify_output("--repair")

    assert f"quarantined {broken.path}" in output
    assert "1 event(s) of workspace" in output and "import its file again" in output
    assert lake_ids(cast.shop) == ["b"]
    assert sum(day_counts(cast.shop).values()) == 1
    # Importing the file again restores the lost day; the other is a duplicate.
    result = lake_import.import_event_file(workspace=cast.shop, path=path)
    assert (result.loaded, result.duplicates) == (1, 1)


def test_compacted_events_missing_from_the_lake_are_found_and_restored(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(secret, event("m-1", "下单", "a"))
    compaction.compact()
    record = LakeFile.objects.get()
    (lake.lake_root() / record.path).unlink()
    record.delete()  # as if the file and its row were lost

    output, error = verify_output()
    assert error is not None and "not_in_lake" in output

    verify_output("--repair")
    assert lake_ids(cast.shop) == ["a"]


# --- killed mid-run ------------------------------------------------------------------------------


def test_killing_compaction_again_and_again_never_loses_or_doubles_an_event(
    cast, tmp_path: Path, settings
):
    # Given events in the tail, over many days and both workspaces
    rng = random.Random(7)
    for workspace in (cast.shop, cast.other_shop):
        records = [
            storage.EventRecord(
                customer_id=None,
                type="track",
                name=rng.choice(["下单", "浏览菜单", "支付成功"]),
                properties={"n": i},
                user_id="",
                anonymous_id=f"dev-{i % 500}",
                message_id=f"{workspace.slug}-{i}",
                timestamp=OCT_1 + timedelta(minutes=17 * i),
            )
            for i in range(EVENTS_EACH)
        ]
        with transaction.atomic():
            storage.insert_events(
                workspace_id=workspace.pk, records=records, received_at=timezone.now()
            )
    settings.LAKE_DIR = tmp_path / "lake"  # the children's lake: XIAONUO_DATA_DIR/lake
    connection.close()
    env = child_env(tmp_path, DATABASE_URL=database_url())
    command = [sys.executable, "-m", "xiaonuo.cli", "lake", "compact", "--batch-rows", "1500"]

    # When compaction is killed at random moments, five times, then allowed to finish
    for _ in range(5):
        child = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(1.0, 3.0))  # start-up takes about one second
        child.send_signal(signal.SIGKILL)
        child.wait()
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]

    # Then the lake holds every event exactly once, and verify (with repair) leaves it whole
    for workspace in (cast.shop, cast.other_shop):
        ids = lake_ids(workspace)
        assert len(ids) == EVENTS_EACH
        assert set(ids) == {f"{workspace.slug}-{i}" for i in range(EVENTS_EACH)}
    report = lake_verify.verify(repair=True)  # removes the killed runs' orphans
    assert all(p.kind == "orphan" for p in report.problems), report.problems
    assert lake_verify.verify().ok
    assert compaction.watermark() == max(Event.objects.values_list("id", flat=True))
