"""The event lake as readers see it: timelines over tail + lake, merges, anonymous ids, erasure,
and files a killed writer left behind."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Identity
from xiaonuo.events import lake, lake_import, lake_verify
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events.models import EventDayCount, LakeFile
from xiaonuo.testing import api_client, make_api_key, signed_in

pytestmark = pytest.mark.django_db

HEADER = "type,user_id,anonymous_id,event,properties,timestamp,message_id\n"


def import_lines(workspace, tmp_path, *lines):
    path = tmp_path / f"history-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return lake_import.import_event_file(workspace=workspace, path=path)


def customer_of(workspace, value, kind="external_id"):
    return Identity.objects.get(workspace=workspace, kind=kind, value=value).customer_id


def names(workspace, customer_id, **page):
    return [
        e.name
        for e in events_selectors.list_customer_events(
            workspace=workspace, customer_id=customer_id, **page
        )
    ]


def test_a_timeline_merges_the_lake_and_the_tail_newest_first(cast, tmp_path):
    import_lines(
        cast.shop,
        tmp_path,
        "track,m-1,,九月下单,{},2026-09-01T12:00:00+08:00,h-1",
        "track,m-1,,十月浏览,{},2026-10-01T12:00:00+08:00,h-2",
    )
    _, secret = make_api_key(workspace=cast.shop)
    response = api_client(secret).post(
        "/api/v1/track",
        {
            "batch": [
                {"user_id": "m-1", "event": "九月中", "timestamp": "2026-09-15T12:00:00+08:00"},
                # Sent again through the API after the import: still one event.
                {
                    "user_id": "m-1",
                    "event": "十月浏览",
                    "timestamp": "2026-10-01T12:00:00+08:00",
                    "message_id": "h-2",
                },
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 202
    customer_id = customer_of(cast.shop, "m-1")

    assert names(cast.shop, customer_id) == ["十月浏览", "九月中", "九月下单"]
    assert names(cast.shop, customer_id, offset=1, limit=1) == ["九月中"]

    page = api_client(secret).get(f"/api/v1/customers/{customer_id}/events?limit=2").json()
    assert [e["event"] for e in page["items"]] == ["十月浏览", "九月中"]
    assert page["items"][0]["message_id"] == "h-2"


def test_the_console_timeline_shows_imported_history(cast, tmp_path):
    import_lines(cast.shop, tmp_path, "track,m-1,,历史订单,{},2026-09-01T12:00:00+08:00,h-1")
    customer_id = customer_of(cast.shop, "m-1")

    page = signed_in(cast.agent).get(f"/timeline/customers/{customer_id}/")

    assert page.status_code == 200
    assert "历史订单" in page.content.decode()


def test_after_a_merge_the_survivor_shows_the_merged_customers_lake_events(cast, tmp_path):
    import_lines(
        cast.shop,
        tmp_path,
        "track,m-1,,甲的订单,{},2026-09-01T12:00:00+08:00,h-1",
        "track,m-2,,乙的订单,{},2026-09-02T12:00:00+08:00,h-2",
    )
    survivor, merged = customer_of(cast.shop, "m-1"), customer_of(cast.shop, "m-2")

    customers_services.merge_customers(
        workspace=cast.shop, survivor_id=survivor, merged_id=merged, actor=Actor()
    )

    assert names(cast.shop, survivor) == ["乙的订单", "甲的订单"]


def test_anonymous_history_joins_the_customer_once_the_id_is_identified(cast, tmp_path):
    import_lines(cast.shop, tmp_path, "track,,dev-9,匿名浏览,{},2026-09-01T12:00:00+08:00,h-1")
    _, secret = make_api_key(workspace=cast.shop)
    api_client(secret).post(
        "/api/v1/identify",
        {"user_id": "m-9", "anonymous_id": "dev-9", "timestamp": "2026-09-02T12:00:00+08:00"},
        content_type="application/json",
    )

    assert "匿名浏览" in names(cast.shop, customer_of(cast.shop, "m-9"))


def test_erasure_rewrites_the_lake_without_the_person(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    import_lines(
        cast.shop,
        tmp_path,
        "track,gone,,要删除的,{},2026-09-01T12:00:00+08:00,h-1",
        "track,stay,,要保留的,{},2026-09-01T13:00:00+08:00,h-2",
        "track,gone,,只有他的一天,{},2026-09-03T12:00:00+08:00,h-3",
    )
    gone = customer_of(cast.shop, "gone")
    before = {f.day: f.path for f in LakeFile.objects.filter(workspace=cast.shop)}

    with django_capture_on_commit_callbacks(execute=True):
        customers_services.erase_customer(workspace=cast.shop, customer_id=gone, actor=Actor())

    left = lake.all_events(workspace_id=cast.shop.pk)
    assert [e.name for e in left] == ["要保留的"]
    files = list(LakeFile.objects.filter(workspace=cast.shop))
    assert len(files) == 1 and files[0].rows == 1  # the day with only his event is gone
    # The old files are deleted, not only unlisted: nothing of the person stays on disk.
    for path in before.values():
        assert not (lake.lake_root() / path).exists()
    counts = dict(EventDayCount.objects.filter(workspace=cast.shop).values_list("day", "count"))
    assert sorted(counts.values()) == [0, 1]


def test_a_file_a_killed_writer_left_unlisted_is_never_read(cast, tmp_path):
    import_lines(cast.shop, tmp_path, "track,m-1,,真的,{},2026-09-01T12:00:00+08:00,h-1")
    listed = LakeFile.objects.get(workspace=cast.shop)
    orphan = Path(lake.lake_root() / listed.path).with_name("orphan.parquet")
    orphan.write_bytes((lake.lake_root() / listed.path).read_bytes())

    assert [e.name for e in lake.all_events(workspace_id=cast.shop.pk)] == ["真的"]
    # …and importing the same line again finds it stored, not the orphan's copy.
    result = import_lines(cast.shop, tmp_path, "track,m-1,,真的,{},2026-09-01T12:00:00+08:00,h-1")
    assert (result.loaded, result.duplicates) == (0, 1)


def test_a_failed_manifest_commit_leaves_no_listed_file_and_removes_the_written_ones(
    cast, tmp_path, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(lake, "record_files", broken)
    with pytest.raises(RuntimeError):
        import_lines(cast.shop, tmp_path, "track,m-1,,下单,{},2026-09-01T12:00:00+08:00,h-1")

    assert not LakeFile.objects.exists()
    assert list((lake.lake_root() / "events").rglob("*.parquet")) == []


def test_lake_events_of_another_workspace_stay_there(cast, tmp_path):
    import_lines(cast.other_shop, tmp_path, "track,m-1,,别家的,{},2026-09-01T12:00:00+08:00,h-1")
    import_lines(cast.shop, tmp_path, "track,m-1,,茶语的,{},2026-09-01T12:00:00+08:00,h-1")

    assert [e.name for e in lake.all_events(workspace_id=cast.shop.pk)] == ["茶语的"]
    assert names(cast.shop, customer_of(cast.shop, "m-1")) == ["茶语的"]
    response = signed_in(cast.other_owner).get(
        f"/timeline/customers/{customer_of(cast.shop, 'm-1')}/"
    )
    assert response.status_code == 404


def test_the_cli_reports_the_rate(cast, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "track,m-1,,下单,{},2026-09-01T12:00:00+08:00,h-1\n", encoding="utf-8")
    out = io.StringIO()
    call_command("events", "import", str(path), "--workspace", "chayu", stdout=out)
    assert "1 events stored, 0 already there" in out.getvalue()


def test_message_ids_read_back_as_the_client_sent_them(cast, tmp_path):
    """A canonical UUID is stored as 16 bytes, anything else as text; both read back alike."""
    sent = [
        "0b6f4b8e-9c55-4c1e-9a57-2f1d0c3e4a5b",  # canonical: stored as bytes
        "0B6F4B8E-9C55-4C1E-9A57-2F1D0C3E4A5C",  # upper case: kept as text
        "0b6f4b8e9c554c1e9a572f1d0c3e4a5d",  # no hyphens: kept as text
        "订单-42",
    ]
    import_lines(
        cast.shop,
        tmp_path,
        *(f"track,m-9,,看{i},{{}},2026-09-0{i + 1}T12:00:00+08:00,{m}" for i, m in enumerate(sent)),
    )
    got = {e.message_id for e in lake.all_events(workspace_id=cast.shop.pk)}
    assert got == set(sent)
    con = lake.new_connection()
    stored = con.execute(
        "SELECT count(message_uuid), count(message_id) FROM read_parquet(?)",
        [lake.file_paths(workspace_id=cast.shop.pk)],
    ).fetchone()
    assert stored == (1, 3)
    # Sent again, each is recognised as stored.
    assert (
        import_lines(
            cast.shop,
            tmp_path,
            *(
                f"track,m-9,,看{i},{{}},2026-09-0{i + 1}T12:00:00+08:00,{m}"
                for i, m in enumerate(sent)
            ),
        ).loaded
        == 0
    )


def test_a_file_of_the_earlier_format_still_reads(cast, tmp_path):
    """Files written before message ids were split (text ``message_id``, no ``message_uuid``)
    read through the same scan as new ones, side by side."""
    import_lines(cast.shop, tmp_path, "track,m-1,,新格式,{},2026-09-01T12:00:00+08:00,h-new")
    day = LakeFile.objects.get(workspace=cast.shop).day
    relative = f"events/workspace={cast.shop.pk}/day={day.isoformat()}/old.parquet"
    con = lake.new_connection()
    con.execute(
        f"COPY (SELECT NULL::BIGINT AS customer_id, 'track' AS type, '旧格式' AS name, "
        "'{}' AS properties, 'm-1' AS user_id, '' AS anonymous_id, "
        "'5f0c6a36-2b1e-4f39-8a4c-1d2e3f405162' AS message_id, "
        "TIMESTAMPTZ '2026-09-01 03:00:00+00' AS timestamp, now() AS received_at) "
        f"TO '{lake.lake_root() / relative}' (FORMAT parquet)"
    )
    LakeFile.objects.create(
        workspace=cast.shop, day=day, path=relative, rows=1, size=1, source="import"
    )
    events = {e.name: e.message_id for e in lake.all_events(workspace_id=cast.shop.pk)}
    assert events == {"新格式": "h-new", "旧格式": "5f0c6a36-2b1e-4f39-8a4c-1d2e3f405162"}
    assert lake_verify.verify().problems == []
