"""``xiaonuo autoreply match`` end to end on files written here, in the encodings people send."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xiaonuo.autoreply.matching import DEFAULT_THRESHOLD

KB_ROWS = [
    ("faq_id", "question", "answer"),
    ("refund", "怎么申请退款", "在订单页点申请退款"),
    ("refund", "退款流程是什么", "在订单页点申请退款"),
    ("delivery", "快递到哪了", "在订单详情看物流"),
    ("delivery", "我的包裹在哪里", "在订单详情看物流"),
    ("hours", "门店几点开门", "每天九点到晚上十点"),
    ("invoice", "可以开发票吗", "可以，在订单页申请"),
]


def write(path: Path, rows, *, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def match(kb: Path, queries: Path, out: Path) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "autoreply",
        "match",
        "--kb",
        str(kb),
        "--in",
        str(queries),
        "--out",
        str(out),
        stdout=stdout,
        stderr=stderr,
    )
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_match_answers_each_question_and_carries_the_other_columns(tmp_path, encoding):
    kb = write(tmp_path / "kb.csv", KB_ROWS, encoding=encoding)
    queries = write(
        tmp_path / "q.csv",
        [
            ("id", "query", "note"),
            ("1", "退款要怎么申请", "a"),
            ("2", "我的快递到哪里了", "b"),
            ("3", "门店几点开门", "c"),
            ("4", "？！…", "d"),  # nothing to match
        ],
        encoding=encoding,
    )
    out = tmp_path / "out" / "matched.csv"
    stdout, _ = match(kb, queries, out)
    rows = read(out)
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["note"] for r in rows] == ["a", "b", "c", "d"]
    assert [r["faq_id"] for r in rows] == ["refund", "delivery", "hours", ""]
    assert list(rows[0]) == ["id", "query", "note", "faq_id", "score", "answered"]
    for row in rows:
        score = float(row["score"])
        assert 0.0 <= score <= 1.0
        assert row["answered"] == ("1" if score >= DEFAULT_THRESHOLD else "0")
    assert rows[2]["answered"] == "1"  # asked exactly as written in the knowledge base
    assert rows[3] == {**rows[3], "score": "0.0000", "answered": "0"}
    assert "4 questions" in stdout and "from 4 entries (6 phrasings)" in stdout
    # Excel on a Chinese Windows needs the BOM to read UTF-8.
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_command_gives_what_the_matcher_gives(tmp_path):
    from xiaonuo.autoreply.matching import KbEntry, Matcher

    kb = write(tmp_path / "kb.csv", KB_ROWS)
    queries = write(tmp_path / "q.csv", [("query",), ("包裹到哪了",), ("能开票吗",)])
    match(kb, queries, tmp_path / "o.csv")
    matcher = Matcher.build(
        [
            KbEntry("refund", ("怎么申请退款", "退款流程是什么")),
            KbEntry("delivery", ("快递到哪了", "我的包裹在哪里")),
            KbEntry("hours", ("门店几点开门",)),
            KbEntry("invoice", ("可以开发票吗",)),
        ]
    )
    for row in read(tmp_path / "o.csv"):
        top = matcher.match(row["query"], k=1)[0]
        assert row["faq_id"] == top.faq_id
        assert row["score"] == f"{top.confidence:.4f}"


def test_a_missing_column_is_named_with_file_and_line(tmp_path):
    kb = write(tmp_path / "kb.csv", [("id", "question"), ("1", "怎么退款")])
    queries = write(tmp_path / "q.csv", [("query",), ("怎么退款",)])
    err = io.StringIO()
    with pytest.raises(CommandError, match="kb.csv: 1 problem"):
        call_command(
            "autoreply", "match", "--kb", str(kb), "--in", str(queries), "--out",
            str(tmp_path / "o.csv"), stderr=err,
        )  # fmt: skip
    assert f"{kb}:1: missing column 'faq_id'" in err.getvalue()
    assert not (tmp_path / "o.csv").exists()

    kb = write(tmp_path / "kb.csv", KB_ROWS)
    queries = write(tmp_path / "q.csv", [("text",), ("怎么退款",)])
    err = io.StringIO()
    with pytest.raises(CommandError, match="q.csv"):
        call_command(
            "autoreply", "match", "--kb", str(kb), "--in", str(queries), "--out",
            str(tmp_path / "o.csv"), stderr=err,
        )  # fmt: skip
    assert f"{queries}:1: missing column 'query'" in err.getvalue()


def test_empty_fields_and_ragged_rows_are_each_named(tmp_path):
    kb = write(
        tmp_path / "kb.csv",
        [("faq_id", "question"), ("a", "怎么退款"), ("", "几点开门"), ("b", " "), ("c", "x", "y")],
    )
    queries = write(tmp_path / "q.csv", [("query",), ("怎么退款",)])
    err = io.StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command(
            "autoreply", "match", "--kb", str(kb), "--in", str(queries), "--out",
            str(tmp_path / "o.csv"), stderr=err,
        )  # fmt: skip
    assert f"{kb}:5: 3 fields, the header has 2" in err.getvalue()
    kb = write(
        tmp_path / "kb.csv",
        [("faq_id", "question"), ("a", "怎么退款"), ("", "几点开门"), ("b", " ")],
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "autoreply", "match", "--kb", str(kb), "--in", str(queries), "--out",
            str(tmp_path / "o.csv"), stderr=err,
        )  # fmt: skip
    assert f"{kb}:3: field 'faq_id' is empty" in err.getvalue()
    assert f"{kb}:4: field 'question' is empty" in err.getvalue()


@pytest.mark.parametrize("which", ["kb", "queries"])
def test_empty_files_are_refused(tmp_path, which):
    kb = write(tmp_path / "kb.csv", KB_ROWS)
    queries = write(tmp_path / "q.csv", [("query",), ("怎么退款",)])
    target = kb if which == "kb" else queries
    target.write_bytes(b"")
    with pytest.raises(CommandError, match=target.name):
        match(kb, queries, tmp_path / "o.csv")
    header = b"faq_id,question\n" if which == "kb" else b"query\n"
    target.write_bytes(header)
    err = io.StringIO()
    with pytest.raises(CommandError, match=target.name):
        call_command(
            "autoreply", "match", "--kb", str(kb), "--in", str(queries), "--out",
            str(tmp_path / "o.csv"), stderr=err,
        )  # fmt: skip
    assert f"{target}:2: no " in err.getvalue()


def test_a_missing_file_and_bytes_in_no_chinese_encoding_are_refused(tmp_path):
    kb = write(tmp_path / "kb.csv", KB_ROWS)
    with pytest.raises(CommandError, match="nowhere.csv: no such file"):
        match(kb, tmp_path / "nowhere.csv", tmp_path / "o.csv")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"query\n\xff\xfe\xfa\x80\x81\x00\x01 ok\n")
    with pytest.raises(CommandError, match="garbage.csv"):
        match(kb, garbage, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()
