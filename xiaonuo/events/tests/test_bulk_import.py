import io
import json

import pytest
from django.core.management import CommandError, call_command

from xiaonuo.customers.models import Identity
from xiaonuo.events import lake
from xiaonuo.events.models import Event, LakeFile

pytestmark = pytest.mark.django_db


def stored(workspace) -> dict[str, object]:
    """Every event of the workspace, tail and lake, by message id."""
    events: dict[str, object] = {e.message_id: e for e in Event.objects.filter(workspace=workspace)}
    events.update((e.message_id, e) for e in lake.all_events(workspace_id=workspace.pk))
    return events


CSV_HEADER = "type,user_id,anonymous_id,event,properties,timestamp,message_id\n"
CSV_BODY = (
    'track,m-1,,下单,"{""amount"": 28, ""product"": ""杨枝甘露""}",2026-10-01T12:30:00+08:00,e-1\n'
    "track,m-2,,浏览菜单,,2026-10-01T15:00:00,\n"
    "track,,dev-9,打开小程序,{},2026-10-02T09:00:00Z,e-3\n"
)


def run_import(path, *extra):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "events", "import", str(path), "--workspace", "chayu", *extra, stdout=out, stderr=err
    )
    return out.getvalue()


def test_a_csv_file_is_loaded_with_its_customers(cast, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(CSV_HEADER + CSV_BODY, encoding="utf-8")

    output = run_import(path)

    assert "3 events stored" in output
    events = stored(cast.shop)
    order = events["e-1"]
    assert order.name == "下单"
    assert order.properties == {"amount": 28, "product": "杨枝甘露"}
    assert order.timestamp.isoformat() == "2026-10-01T04:30:00+00:00"
    assert (
        order.customer_id
        == Identity.objects.get(workspace=cast.shop, kind="external_id", value="m-1").customer_id
    )
    # A naive time is the workspace's local time (Asia/Shanghai), as in the API.
    (browse,) = [e for e in events.values() if e.name == "浏览菜单"]
    assert browse.timestamp.isoformat() == "2026-10-01T07:00:00+00:00"
    assert browse.message_id.startswith("imp-")
    assert events["e-3"].customer_id is None
    # History goes straight to the Parquet lake, not through the tail table.
    assert not Event.objects.filter(workspace=cast.shop).exists()
    assert LakeFile.objects.filter(workspace=cast.shop).count() == 2  # two days


def test_a_jsonl_file_uses_the_api_keys(cast, tmp_path):
    path = tmp_path / "history.jsonl"
    lines = [
        {
            "user_id": "m-1",
            "event": "下单",
            "properties": {"amount": 18},
            "timestamp": "2026-10-01T12:00:00+08:00",
        },
        {
            "type": "identify",
            "user_id": "m-1",
            "traits": {"name": "陈静", "phone": "13800138000"},
            "timestamp": "2026-10-01T12:01:00+08:00",
            "message_id": "id-1",
        },
    ]
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )

    output = run_import(path)

    assert "2 events stored" in output
    customer_id = Identity.objects.get(
        workspace=cast.shop, kind="external_id", value="m-1"
    ).customer_id
    assert [e.customer_id for e in stored(cast.shop).values()] == [customer_id, customer_id]
    assert Identity.objects.get(workspace=cast.shop, kind="phone").customer_id == customer_id


def test_importing_the_same_file_twice_stores_each_event_once(cast, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(CSV_HEADER + CSV_BODY, encoding="utf-8")
    run_import(path)

    output = run_import(path)

    assert "0 events stored, 3 already there" in output
    assert len(stored(cast.shop)) == 3
    assert LakeFile.objects.filter(workspace=cast.shop).count() == 2  # nothing new written


def test_an_event_already_in_the_tail_is_not_imported_again(cast, tmp_path):
    from xiaonuo.testing import api_client, make_api_key

    _, secret = make_api_key(workspace=cast.shop)
    sent = {"user_id": "m-1", "event": "下单", "timestamp": "2026-10-01T12:30:00+08:00"}
    response = api_client(secret).post(
        "/api/v1/track", {**sent, "message_id": "e-1"}, content_type="application/json"
    )
    assert response.status_code == 202
    path = tmp_path / "history.csv"
    path.write_text(CSV_HEADER + CSV_BODY, encoding="utf-8")

    assert "2 events stored, 1 already there" in run_import(path)
    assert len(stored(cast.shop)) == 3


def test_a_message_id_repeated_in_the_file_is_one_event(cast, tmp_path):
    path = tmp_path / "history.csv"
    line = "track,m-1,,下单,{},2026-10-01T12:30:00+08:00,same\n"
    path.write_text(CSV_HEADER + line + line, encoding="utf-8")

    assert "1 events stored, 1 already there" in run_import(path)


def test_a_bad_line_is_named_by_file_and_line_and_nothing_is_stored(cast, tmp_path):
    path = tmp_path / "history.csv"
    bad = "track,m-3,,下单,{not json},2026-10-01T12:00:00,e-9\ntrack,m-4,,,{},yesterday,e-10\n"
    path.write_text(CSV_HEADER + CSV_BODY + bad, encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError, match="3 error"):
        call_command("events", "import", str(path), "--workspace", "chayu", stderr=err)

    assert f"{path}:5: properties: not valid JSON" in err.getvalue()
    assert f"{path}:6: event: a track event needs an event name" in err.getvalue()
    assert f"{path}:6: timestamp: not an ISO 8601 time: 'yesterday'" in err.getvalue()
    assert stored(cast.shop) == {}
    assert Identity.objects.filter(workspace=cast.shop).count() == 0


def test_a_csv_with_a_blank_line_and_a_short_line_names_the_files_own_lines(cast, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        CSV_HEADER + CSV_BODY + "\n" + "track,m-5,,下单\n" + "track,m-6,,,{},2026-10-01,e-7\n",
        encoding="utf-8",
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 error"):
        call_command("events", "import", str(path), "--workspace", "chayu", stderr=err)

    assert f"{path}:6: line: expected 7 fields, found 4" in err.getvalue()
    assert f"{path}:7: event: a track event needs an event name" in err.getvalue()


def test_a_jsonl_line_that_is_not_json_is_named(cast, tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text(
        '{"user_id": "m-1", "event": "下单", "timestamp": "2026-10-01T12:00:00+08:00"}\n'
        "\n"
        "{broken\n"
        '{"user_id": 7, "event": "下单", "timestamp": "2026-10-01T12:00:00+08:00"}\n'
        '["a list"]\n',
        encoding="utf-8",
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="3 error"):
        call_command("events", "import", str(path), "--workspace", "chayu", stderr=err)

    assert f"{path}:3: line: not valid JSON" in err.getvalue()
    assert f"{path}:4: user_id: must be a string" in err.getvalue()
    assert f"{path}:5: line: expected a JSON object" in err.getvalue()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_csv_saved_by_excel_as_gbk_or_with_a_bom_is_read(cast, tmp_path, encoding):
    path = tmp_path / "history.csv"
    path.write_bytes((CSV_HEADER + CSV_BODY).encode(encoding))

    run_import(path, "--format", "csv")

    events = stored(cast.shop)
    assert events["e-1"].properties["product"] == "杨枝甘露"
    assert len(events) == 3


def test_a_gbk_file_whose_first_megabytes_are_ascii_is_still_read_as_gbk(cast, tmp_path):
    # Given a file that only turns Chinese after the part an encoding sniffer would sample
    ascii_lines = "".join(
        f"track,m-{i},,open,{{}},2026-10-01T12:00:00+08:00,a-{i}\n" for i in range(40_000)
    )
    path = tmp_path / "history.csv"
    path.write_bytes((CSV_HEADER + ascii_lines + CSV_BODY).encode("gbk"))
    assert path.stat().st_size > 2 * 1024 * 1024

    run_import(path)

    assert stored(cast.shop)["e-1"].properties["product"] == "杨枝甘露"


def test_a_file_in_no_known_encoding_is_refused_by_file_and_line(cast, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(CSV_HEADER.encode() + b"track,m-1,,\xff\xff\xff,{},2026-10-01T12:00:00Z,e-1\n")

    with pytest.raises(CommandError) as error:
        run_import(path)

    assert f"{path}:2: not readable as UTF-8, GBK or GB18030" in str(error.value)
    assert not LakeFile.objects.exists()


def test_events_of_another_workspace_are_left_alone(cast, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(CSV_HEADER + CSV_BODY, encoding="utf-8")
    call_command("events", "import", str(path), "--workspace", "biejia", stdout=io.StringIO())

    run_import(path)

    assert len(stored(cast.shop)) == 3
    assert len(stored(cast.other_shop)) == 3


@pytest.mark.django_db(transaction=True)
def test_a_customer_merged_during_a_load_gets_the_later_events(cast, monkeypatch):
    from datetime import UTC, datetime

    from xiaonuo.accounts.services import Actor
    from xiaonuo.customers import services as customers_services
    from xiaonuo.events import bulk

    monkeypatch.setattr(bulk, "CHUNK_ROWS", 1)  # one transaction per row
    survivor = customers_services.ensure_customers_for_identities(
        workspace=cast.shop, kind="external_id", values=["keeper"]
    )["keeper"]

    def rows():
        when = datetime(2026, 10, 1, tzinfo=UTC)
        yield bulk.EventRow("track", "下单", "m-1", "", {}, when, "e-1")
        merged = Identity.objects.get(workspace=cast.shop, value="m-1").customer_id
        customers_services.merge_customers(
            workspace=cast.shop, survivor_id=survivor, merged_id=merged, actor=Actor()
        )
        yield bulk.EventRow("track", "下单", "m-1", "", {}, when, "e-2")

    result = bulk.bulk_load_events(workspace=cast.shop, rows=rows())
    assert result.loaded == 2
    assert set(Event.objects.values_list("customer_id", flat=True)) == {survivor}
