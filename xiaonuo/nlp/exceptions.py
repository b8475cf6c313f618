"""Errors of the nlp library, each with a stable code (``ServiceError`` subclasses, so an app
above that calls us from an endpoint gets ``{code, message}`` without translating them)."""

from enum import StrEnum
from typing import Any

from xiaonuo.lib.errors import ServiceError


class NlpErrorCode(StrEnum):
    MODEL_FILE_MISSING = "model_file_missing"  # no file at the path given
    MODEL_FILE_UNREADABLE = "model_file_unreadable"  # not a skops archive, truncated or corrupted
    MODEL_FILE_UNTRUSTED = "model_file_untrusted"  # holds types we never load (possibly hostile)
    MODEL_FILE_FOREIGN = "model_file_foreign"  # a valid skops file, but not a Xiaonuo model
    MODEL_KIND_MISMATCH = "model_kind_mismatch"  # e.g. an aspect model where sentiment was asked
    TRAINING_DATA_INVALID = "training_data_invalid"  # too few texts, one class only, bad labels
    TABLE_INVALID = "table_invalid"  # a CSV/TSV file with a missing column or a bad value


class NlpError(ServiceError):
    def __init__(self, code: NlpErrorCode, message: str, **details: Any):
        super().__init__(str(code), message, **details)
