from enum import StrEnum


class AnalyticsError(StrEnum):
    INVALID_PARAMETER = "invalid_parameter"  # a report option out of range or malformed
    ENGINE_UNAVAILABLE = "engine_unavailable"  # e.g. postgres asked for on a SQLite install
    UNKNOWN_ENGINE = "unknown_engine"
    SEGMENT_INVALID = "segment_invalid"  # a definition that does not fit the schema
    SEGMENT_NOT_FOUND = "segment_not_found"
    SEGMENT_NAME_TAKEN = "segment_name_taken"
    LIFECYCLE_RULES_INVALID = "lifecycle_rules_invalid"  # thresholds out of order or range
