from enum import StrEnum


class EventsError(StrEnum):
    INVALID_EVENTS = "invalid_events"  # one or more items failed validation; see ``errors``
    BATCH_TOO_LARGE = "batch_too_large"  # more than MAX_BATCH items
    EMPTY_BATCH = "empty_batch"
    IMPORT_FILE_INVALID = "import_file_invalid"
