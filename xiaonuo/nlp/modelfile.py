"""Trained models on disk: skops files, never pickle, with a small metadata record.

A model file is a skops archive of ``{"format": "xiaonuo-nlp-model", "format_version": 1,
"info": {...}, "pipeline": <scikit-learn Pipeline>}``. skops stores the object graph as JSON
plus arrays and rebuilds only types it trusts; we trust nothing beyond skops' own defaults
(scikit-learn, NumPy and SciPy types), so a file that would construct anything else — a hostile
file, or one from another program — is refused before a single object is built.

    model = train_sentiment(texts, labels)      # xiaonuo.nlp.sentiment
    model.save(path)
    model = load_model(path)                    # NlpError(model_file_*) when not ours
"""

import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.pipeline import Pipeline

from xiaonuo.nlp.exceptions import NlpError, NlpErrorCode
from xiaonuo.nlp.text import Prepared

FORMAT = "xiaonuo-nlp-model"
FORMAT_VERSION = 1  # bump when the pipeline's input or the record's fields change


class ModelKind(StrEnum):
    SENTIMENT = "sentiment"  # P(positive) of a text


@dataclass(frozen=True)
class ModelInfo:
    kind: str  # a ModelKind value
    version: str  # "default-1" for the shipped model; a timestamp for trained ones
    trained_at: str  # ISO 8601, UTC
    data_source: str  # where the labelled texts came from, for people
    texts: int  # how many labelled texts it was trained on
    metrics: dict[str, float] = field(default_factory=dict)  # e.g. validation accuracy
    sklearn_version: str = ""  # models are only guaranteed to load on the same minor version


@dataclass
class Model:
    info: ModelInfo
    pipeline: Pipeline

    def positive_probability(self, prepared: Sequence[Prepared]) -> np.ndarray:
        """P(positive) for each prepared text, from the pipeline alone (no emoji rules)."""
        if not prepared:
            return np.zeros(0)
        return self.pipeline.predict_proba(model_input(prepared))[:, 1]

    def save(self, path: str | Path) -> None:
        """Write atomically: a reader never sees half a file, even while we retrain."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "info": asdict(self.info),
            "pipeline": self.pipeline,
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            # Deflated: 30 MB of mostly-zero hashed columns become 17 MB; reading costs 0.2 s.
            sio.dump(record, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=1)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def model_input(prepared: Sequence[Prepared]) -> np.ndarray:
    """The pipeline's input: one row per text, [folded text, its words joined by spaces].

    Segmenting outside the pipeline keeps our own code out of the model file (nothing to trust
    but scikit-learn) and lets enrichment segment each text once for every analysis."""
    rows = np.empty((len(prepared), 2), dtype=object)
    for i, p in enumerate(prepared):
        rows[i, 0] = p.folded
        rows[i, 1] = " ".join(p.words)
    return rows


def load_model(path: str | Path, *, kind: ModelKind = ModelKind.SENTIMENT) -> Model:
    """A model saved by ``Model.save``; NlpError with a model_file_* code for anything else."""
    path = Path(path)
    if not path.is_file():
        raise NlpError(NlpErrorCode.MODEL_FILE_MISSING, f"{path}: no such model file")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # zip, JSON and schema errors all mean the same to the user
        raise _unreadable(path, exc) from None
    if untrusted:
        raise NlpError(
            NlpErrorCode.MODEL_FILE_UNTRUSTED,
            f"{path}: refused, the file would build types a Xiaonuo model never contains: "
            + ", ".join(sorted(untrusted)[:5]),
            types=sorted(untrusted),
        )
    try:
        record = sio.load(path)
    except Exception as exc:  # e.g. a member whose CRC no longer matches (edited or truncated)
        raise _unreadable(path, exc) from None
    return _model_from_record(path, record, kind)


@lru_cache(maxsize=16)
def _cached(path: str, mtime_ns: int, size: int, kind: ModelKind) -> Model:
    return load_model(path, kind=kind)


def cached_model(path: str | Path, *, kind: ModelKind = ModelKind.SENTIMENT) -> Model:
    """``load_model`` once per file version per process (a retrained file is read again)."""
    stat = Path(path).stat() if Path(path).is_file() else None
    if stat is None:
        return load_model(path, kind=kind)
    return _cached(str(path), stat.st_mtime_ns, stat.st_size, kind)


def _model_from_record(path: Path, record: Any, kind: ModelKind) -> Model:
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise NlpError(
            NlpErrorCode.MODEL_FILE_FOREIGN,
            f"{path}: a skops file, but not a Xiaonuo model (train one with `xiaonuo nlp train`)",
        )
    if record.get("format_version") != FORMAT_VERSION:
        raise NlpError(
            NlpErrorCode.MODEL_FILE_FOREIGN,
            f"{path}: model format {record.get('format_version')!r}, this Xiaonuo reads "
            f"{FORMAT_VERSION}; retrain it with this version",
        )
    try:
        info = ModelInfo(**record["info"])
    except (KeyError, TypeError) as exc:
        raise _unreadable(path, exc) from None
    if info.kind != kind:
        raise NlpError(
            NlpErrorCode.MODEL_KIND_MISMATCH,
            f"{path}: a {info.kind} model, not a {kind} model",
        )
    pipeline = record.get("pipeline")
    if not isinstance(pipeline, Pipeline) or list(getattr(pipeline, "classes_", [])) != [0, 1]:
        raise NlpError(
            NlpErrorCode.MODEL_FILE_FOREIGN, f"{path}: the file's pipeline is not a trained one"
        )
    return Model(info=info, pipeline=pipeline)


def _unreadable(path: Path, exc: BaseException) -> NlpError:
    reason = "not a zip archive" if isinstance(exc, zipfile.BadZipFile) else type(exc).__name__
    return NlpError(
        NlpErrorCode.MODEL_FILE_UNREADABLE,
        f"{path}: not a readable model file ({reason}: {exc})",
    )
