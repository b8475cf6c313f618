"""The file-level use case behind ``xiaonuo autoreply match``: a knowledge base and questions
as CSV files in, each question's best entry out — the live matcher's code, nothing stored.

Files are read with the nlp tables' reader (UTF-8, UTF-8 with a BOM or GBK/GB18030; ``.tsv``
tab-separated); a file with problems is rejected whole, each problem named by file, line and
field. Output is UTF-8 with a BOM, which Excel on a Chinese Windows opens correctly.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xiaonuo.autoreply.matching import DEFAULT_THRESHOLD, KbEntry, Matcher
from xiaonuo.nlp.tables import MAX_REPORTED, InvalidTable, read_table, write_table

ADDED_COLUMNS = ("faq_id", "score", "answered")


@dataclass(frozen=True)
class MatchRun:
    entries: int
    phrasings: int
    queries: int
    answered: int


def read_knowledge_base(path: Path) -> list[KbEntry]:
    """``faq_id,question`` rows (optional ``answer``); rows sharing a faq_id are its phrasings,
    the first one its standard question."""
    table = read_table(path, required=("faq_id", "question"))
    phrasings: dict[str, list[str]] = {}
    problems: list[str] = []
    total = 0
    for row, line in zip(table.rows, table.lines, strict=True):
        faq_id = row["faq_id"].strip()
        question = row["question"].strip()
        problem = None
        if not faq_id:
            problem = f"{path}:{line}: field 'faq_id' is empty"
        elif not question:
            problem = f"{path}:{line}: field 'question' is empty"
        if problem:
            total += 1
            if len(problems) < MAX_REPORTED:
                problems.append(problem)
            continue
        phrasings.setdefault(faq_id, []).append(question)
    if total:
        raise InvalidTable(path, problems, total)
    if not phrasings:
        raise InvalidTable(path, [f"{path}:2: no knowledge-base rows after the header"], 1)
    return [KbEntry(faq_id=f, phrasings=tuple(p)) for f, p in phrasings.items()]


def match_file(kb_path: Path, queries_path: Path, *, out: Path) -> MatchRun:
    """Write ``out``: every row of ``queries_path`` with ``faq_id``, ``score`` and
    ``answered`` added (1 when the score reaches ``DEFAULT_THRESHOLD``)."""
    entries = read_knowledge_base(kb_path)
    queries = read_table(queries_path, required=("query",))
    if not queries.rows:
        raise InvalidTable(queries_path, [f"{queries_path}:2: no queries after the header"], 1)
    matcher = Matcher.build(entries)
    answered = 0

    def matched() -> Iterator[dict[str, str]]:
        nonlocal answered
        for row in queries.rows:
            best = matcher.match(row["query"], k=1)
            score = best[0].confidence if best else 0.0
            hit = bool(best) and score >= DEFAULT_THRESHOLD
            answered += hit
            yield {
                **row,
                "faq_id": best[0].faq_id if best else "",
                "score": f"{score:.4f}",
                "answered": "1" if hit else "0",
            }

    write_table(out, queries.columns, ADDED_COLUMNS, matched())
    return MatchRun(
        entries=len(entries),
        phrasings=sum(len(e.phrasings) for e in entries),
        queries=len(queries.rows),
        answered=answered,
    )
