from enum import StrEnum


class AnalyticsError(StrEnum):
    INVALID_PARAMETER = "invalid_parameter"  # a report option out of range or malformed
    ENGINE_UNAVAILABLE = "engine_unavailable"  # e.g. postgres asked for on a SQLite install
    UNKNOWN_ENGINE = "unknown_engine"
