from enum import StrEnum


class FeedbackError(StrEnum):
    REVIEW_NOT_FOUND = "review_not_found"  # unknown id or another workspace's
    ALERT_NOT_FOUND = "alert_not_found"
    MAPPING_NOT_FOUND = "mapping_not_found"  # --format names no preset and no saved mapping
    MAPPING_INVALID = "mapping_invalid"  # unknown field, no text column, or a bad name
    MAPPING_NAME_TAKEN = "mapping_name_taken"
    REVIEW_INVALID = "review_invalid"  # a field of one review is missing or malformed
    BATCH_TOO_LARGE = "batch_too_large"  # over MAX_BATCH reviews in one request
    BATCH_EMPTY = "batch_empty"
    FILE_ROWS_INVALID = "file_rows_invalid"  # one or more rows of an import file are bad
    FILE_TOO_MANY_ROWS = "file_too_many_rows"  # over MAX_FILE_ROWS rows in one file
    REPLY_EMPTY = "reply_empty"
    REPLY_TOO_LONG = "reply_too_long"
    REPLY_TONE = "reply_tone"  # the tone check found something and the reply was not confirmed
    SETTINGS_INVALID = "settings_invalid"
    TEXT_NOT_FOUND = "text_not_found"  # a review or enriched text of another workspace, or none
    CORRECTION_INVALID = "correction_invalid"  # the label is not positive or negative
    NO_CORRECTIONS = "no_corrections"  # retraining asked for with nothing to learn from
