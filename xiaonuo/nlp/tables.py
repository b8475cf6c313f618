"""The file-level use cases behind ``xiaonuo nlp …``: labelled CSV in, model out; CSV in,
annotated CSV out. The commands parse arguments and call these; nothing here prints.

Files may be UTF-8, UTF-8 with a BOM or GBK/GB18030 (``lib.textfiles``); ``.tsv`` files are
tab-separated. A file with problems is rejected as a whole, with every problem (up to
``MAX_REPORTED``) named by file, line and field, and nothing is written. Output is UTF-8 with a
BOM, which Excel on a Chinese Windows opens correctly (without it, it guesses GBK).
"""

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from xiaonuo.lib import textfiles
from xiaonuo.nlp import corpus, enrich, sentiment
from xiaonuo.nlp.exceptions import NlpError, NlpErrorCode
from xiaonuo.nlp.modelfile import Model, load_model
from xiaonuo.nlp.text import prepare_all

MAX_REPORTED = 20
# Rows are enriched this many at a time: the model scores a batch in one call, and memory
# stays flat for a file of any length.
BATCH = 2000


class Output(StrEnum):
    SENTIMENT = "sentiment"  # adds sentiment, score, aspects
    ASPECTS = "aspects"  # adds aspects
    COMPLAINTS = "complaints"  # adds is_complaint, complaint_score
    ENRICH = "enrich"  # adds all of the above and keywords


@dataclass(frozen=True)
class Table:
    path: Path
    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[int]  # the file line each row starts on


class InvalidTable(NlpError):
    def __init__(self, path: Path, problems: list[str], total: int):
        shown = f" (first {len(problems)} shown)" if total > len(problems) else ""
        super().__init__(
            NlpErrorCode.TABLE_INVALID,
            f"{path}: {total} problem(s){shown}; nothing was written\n" + "\n".join(problems),
            problems=problems,
        )
        self.problems = problems


def read_table(path: Path, *, required: Iterable[str]) -> Table:
    if not path.is_file():
        raise NlpError(NlpErrorCode.TABLE_INVALID, f"{path}: no such file")
    text, _ = textfiles.decode_bytes(path.read_bytes(), name=str(path))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InvalidTable(
            path, [f"{path}:1: the file is empty (a header line is needed)"], 1
        ) from None
    missing = [name for name in required if name not in header]
    if missing:
        problem = (
            f"{path}:1: missing column {', '.join(repr(m) for m in missing)} "
            f"(the header has: {', '.join(header) or 'nothing'})"
        )
        raise InvalidTable(path, [problem], 1)
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    problems: list[str] = []
    total = 0
    line = reader.line_num + 1
    try:
        for record in reader:
            if record and any(cell.strip() for cell in record):
                if len(record) != len(header):
                    total += 1
                    if len(problems) < MAX_REPORTED:
                        problems.append(
                            f"{path}:{line}: {len(record)} fields, the header has {len(header)}"
                        )
                else:
                    rows.append(dict(zip(header, record, strict=True)))
                    lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:  # e.g. a quote that never closes
        total += 1
        problems.append(f"{path}:{reader.line_num}: {exc}")
    if total:
        raise InvalidTable(path, problems, total)
    return Table(path=path, columns=header, rows=rows, lines=lines)


def train_from_file(path: Path, *, out: Path, with_default_data: bool = False) -> Model:
    table = read_table(path, required=("text", "label"))
    texts: list[str] = []
    labels: list[int] = []
    problems: list[str] = []
    total = 0
    for row, line in zip(table.rows, table.lines, strict=True):
        problem = None
        if not row["text"].strip():
            problem = f"{path}:{line}: field 'text' is empty"
        else:
            try:
                labels.append(sentiment.parse_label(row["label"]))
                texts.append(row["text"])
            except ValueError as exc:
                problem = f"{path}:{line}: field 'label': {exc}"
        if problem:
            total += 1
            if len(problems) < MAX_REPORTED:
                problems.append(problem)
    if total:
        raise InvalidTable(path, problems, total)
    model = sentiment.train_sentiment(
        texts, labels, with_default_data=with_default_data, data_source=f"{path.name}"
    )
    model.save(out)
    return model


def annotate_file(output: Output, path: Path, *, out: Path, model_path: Path | None = None) -> int:
    """Write ``out``: every row of ``path`` with ``output``'s columns added; returns the rows."""
    table = read_table(path, required=("text",))
    model = load_model(model_path) if model_path else corpus.default_model()

    def annotated() -> Iterator[dict[str, str]]:
        for start in range(0, len(table.rows), BATCH):
            batch = table.rows[start : start + BATCH]
            results = enrich.analyse(prepare_all(r["text"] for r in batch), model=model)
            for row, result in zip(batch, results, strict=True):
                yield {**row, **_columns(output, result)}

    write_table(out, table.columns, _ADDED[output], annotated())
    return len(table.rows)


def write_table(
    out: Path, columns: Sequence[str], added: Sequence[str], rows: Iterable[Mapping[str, str]]
) -> None:
    """Write ``rows`` (an input table's ``columns`` plus the ``added`` ones) to ``out`` as CSV in
    UTF-8 with a BOM, which Excel on a Chinese Windows opens correctly. All or nothing: the rows
    go to a temporary file beside ``out``, renamed into place once complete."""
    fieldnames = list(columns) + [c for c in added if c not in columns]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def format_aspects(result: enrich.Enrichment) -> str:
    """``product:positive;logistics:negative`` — one entry per mention, in text order."""
    return ";".join(f"{m.aspect}:{m.polarity}" for m in result.aspects)


_ADDED: dict[Output, tuple[str, ...]] = {
    Output.SENTIMENT: ("sentiment", "score", "aspects"),
    Output.ASPECTS: ("aspects",),
    Output.COMPLAINTS: ("is_complaint", "complaint_score"),
    Output.ENRICH: (
        "sentiment",
        "score",
        "aspects",
        "is_complaint",
        "complaint_score",
        "keywords",
    ),
}

_VALUES: dict[str, Callable[[enrich.Enrichment], str]] = {
    "sentiment": lambda r: r.sentiment,
    "score": lambda r: f"{r.score:.4f}",
    "aspects": format_aspects,
    "is_complaint": lambda r: "1" if r.is_complaint else "0",
    "complaint_score": lambda r: f"{r.complaint_score:.4f}",
    "keywords": lambda r: " ".join(r.keywords),
}


def _columns(output: Output, result: enrich.Enrichment) -> dict[str, str]:
    return {name: _VALUES[name](result) for name in _ADDED[output]}
