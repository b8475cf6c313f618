"""``xiaonuo nlp …`` on good and bad files (written here, in the encodings people send)."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from xiaonuo.nlp.modelfile import load_model
from xiaonuo.nlp.tests.conftest import NEGATIVE, POSITIVE


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("nlp", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def model_file(small_model, tmp_path):
    path = tmp_path / "model.skops"
    small_model.save(path)
    return path


def test_train_reads_a_gbk_file_with_either_kind_of_label(tmp_path):
    rows = [f"{t},1" for t in POSITIVE[:6]] + [f"{t},positive" for t in POSITIVE[6:]]
    rows += [f"{t},0" for t in NEGATIVE[:6]] + [f"{t},negative" for t in NEGATIVE[6:]]
    labelled = tmp_path / "labelled.csv"
    labelled.write_bytes(("text,label\r\n" + "\r\n".join(rows) + "\r\n").encode("gbk"))
    out, _ = run("train", "sentiment", "--in", str(labelled), "--out", str(tmp_path / "m.skops"))
    assert "trained on 24 texts" in out
    assert load_model(tmp_path / "m.skops").info.data_source == "labelled.csv"


def test_sentiment_adds_columns_and_carries_the_others_through(model_file, tmp_path):
    source = tmp_path / "reviews.csv"
    source.write_bytes(
        '\ufeffid,text,store\n1,菜很新鲜，分量足,西湖店\n2,"送餐太慢，菜都凉了",滨江店\n3,,西湖店\n'.encode()
    )
    out_path = tmp_path / "out" / "scored.csv"
    out, _ = run(
        "sentiment", "--model", str(model_file), "--in", str(source), "--out", str(out_path)
    )
    assert "3 rows" in out
    rows = read_csv(out_path)
    assert list(rows[0]) == ["id", "text", "store", "sentiment", "score", "aspects"]
    assert [(r["id"], r["store"], r["sentiment"]) for r in rows] == [
        ("1", "西湖店", "positive"),
        ("2", "滨江店", "negative"),
        ("3", "西湖店", "neutral"),
    ]
    assert 0.5 < float(rows[0]["score"]) <= 1 and 0 <= float(rows[1]["score"]) < 0.5
    assert rows[1]["aspects"] == "logistics:negative;product:negative"


def test_aspects_and_complaints_have_their_own_commands(model_file, tmp_path):
    source = tmp_path / "messages.tsv"
    source.write_text("text\n骑手送错了，要求退款，不然投诉\n价格实惠\n", encoding="utf-8")
    run(
        "aspects", "--model", str(model_file), "--in", str(source), "--out", str(tmp_path / "a.csv")
    )
    run(
        "complaints",
        "--model",
        str(model_file),
        "--in",
        str(source),
        "--out",
        str(tmp_path / "c.csv"),
    )
    assert [r["aspects"] for r in read_csv(tmp_path / "a.csv")] == [
        "logistics:negative",
        "price:positive",
    ]
    assert [r["is_complaint"] for r in read_csv(tmp_path / "c.csv")] == ["1", "0"]


def test_a_missing_column_is_named_with_the_file_and_line(model_file, tmp_path):
    source = tmp_path / "wrong.csv"
    source.write_text("id,comment\n1,好吃\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was written"):
        run(
            "sentiment",
            "--model",
            str(model_file),
            "--in",
            str(source),
            "--out",
            str(tmp_path / "o.csv"),
        )
    assert not (tmp_path / "o.csv").exists()
    with pytest.raises(CommandError):
        _, err = run("train", "sentiment", "--in", str(source), "--out", str(tmp_path / "m.skops"))


def test_bad_rows_of_a_training_file_are_each_named(tmp_path, capsys):
    source = tmp_path / "labelled.csv"
    source.write_text("text,label\n好吃,1\n难吃,maybe\n,0\n很好,1,extra\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command(
            "nlp",
            "train",
            "sentiment",
            "--in",
            str(source),
            "--out",
            str(tmp_path / "m.skops"),
            stderr=err,
        )
    assert f"{source}:5: 3 fields, the header has 2" in err.getvalue()
    source.write_text("text,label\n好吃,1\n难吃,maybe\n,0\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "nlp",
            "train",
            "sentiment",
            "--in",
            str(source),
            "--out",
            str(tmp_path / "m.skops"),
            stderr=err,
        )
    assert f"{source}:3: field 'label': 'maybe' is not a label" in err.getvalue()
    assert f"{source}:4: field 'text' is empty" in err.getvalue()
    assert not (tmp_path / "m.skops").exists()


def test_a_file_in_no_chinese_encoding_is_refused_with_its_line(model_file, tmp_path):
    source = tmp_path / "garbage.csv"
    source.write_bytes(b"text\n\xff\xfe\xfa\x80\x81\x00\x01 ok\n")
    with pytest.raises(CommandError, match="garbage.csv"):
        run(
            "sentiment",
            "--model",
            str(model_file),
            "--in",
            str(source),
            "--out",
            str(tmp_path / "o.csv"),
        )


def test_a_model_file_that_is_not_ours_is_refused_by_the_command(tmp_path):
    fake = tmp_path / "fake.skops"
    fake.write_bytes(b"not a model")
    source = tmp_path / "in.csv"
    source.write_text("text\n好吃\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a readable model file"):
        run(
            "sentiment", "--model", str(fake), "--in", str(source), "--out", str(tmp_path / "o.csv")
        )


def test_info_prints_the_metadata_record(model_file):
    out, _ = run("info", str(model_file))
    assert '"kind": "sentiment"' in out and '"data_source": "tests"' in out
