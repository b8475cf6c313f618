from enum import StrEnum


class SlaError(StrEnum):
    CALENDAR_NOT_FOUND = "sla_calendar_not_found"  # unknown id or another workspace's
    POLICY_NOT_FOUND = "sla_policy_not_found"
    NAME_INVALID = "sla_name_invalid"  # empty, or longer than models.NAME_MAX_CHARS
    CALENDAR_NAME_TAKEN = "sla_calendar_name_taken"
    CALENDAR_IN_USE = "sla_calendar_in_use"  # a policy still counts its hours
    CALENDAR_PRESET_UNKNOWN = "sla_calendar_preset_unknown"
    POLICY_SCOPE_TAKEN = "sla_policy_scope_taken"  # one policy per priority × channel scope
    POLICY_NO_TARGET = "sla_policy_no_target"  # neither a first-response nor a resolution target
    POLICY_TARGET_INVALID = "sla_policy_target_invalid"  # not 1 minute … 365 days
    POLICY_CALENDAR_REQUIRED = "sla_policy_calendar_required"  # the business clock needs hours
    POLICY_WARNING_INVALID = "sla_policy_warning_invalid"  # percent not 1-99, minutes out of range
    PRIORITY_INVALID = "sla_priority_invalid"
    CHANNEL_INVALID = "sla_channel_invalid"  # not a channel of this workspace
    REPORT_INVALID = "sla_report_invalid"  # unknown grouping, or dates out of order / too far apart
