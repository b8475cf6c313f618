from enum import StrEnum


class SurveysError(StrEnum):
    SETTINGS_INVALID = "survey_settings_invalid"  # a value out of its range (field in details)
    SURVEY_NOT_FOUND = "survey_not_found"  # unknown id or another workspace's
    SURVEY_INVALID = "survey_invalid"  # no name, no questions, a bad question or option
    SURVEY_NAME_TAKEN = "survey_name_taken"
    SURVEY_INACTIVE = "survey_inactive"  # switched off: no new invitations
    NO_CONSENT = "survey_no_consent"  # the customer said no to messages the workspace starts
    SURVEY_ALREADY_SENT = "survey_already_sent"  # this survey already went out on this ticket
    INVITATION_NOT_FOUND = "invitation_not_found"
    LINK_INVALID = "survey_link_invalid"  # forged, altered, or names no invitation
    LINK_EXPIRED = "survey_link_expired"  # past the invitation's validity
    ALREADY_ANSWERED = "survey_already_answered"  # single use: the response is stored
    ANSWER_INVALID = "survey_answer_invalid"  # missing, out of range, unknown option; field says
    RESULTS_INVALID = "survey_results_invalid"  # unknown grouping, period or date range
