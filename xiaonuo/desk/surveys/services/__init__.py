"""The surveys' use cases, one function each, imported by module name::

    from xiaonuo.desk.surveys import services as surveys_services
    surveys_services.create_csat_invitations(workspace=…)

The console, the public survey pages, the jobs and the demo all call these.
"""

from xiaonuo.desk.surveys.services.definitions import (
    QuestionSpec,
    SettingsChanges,
    create_survey,
    set_survey_active,
    update_survey_settings,
)
from xiaonuo.desk.surveys.services.invitations import (
    RunSummary,
    create_csat_invitations,
    create_nps_invitations,
    send_survey_on_ticket,
)
from xiaonuo.desk.surveys.services.praise import scan_messages_for_praise
from xiaonuo.desk.surveys.services.reactions import move_surveys_to_survivor
from xiaonuo.desk.surveys.services.responses import submit_response

__all__ = [
    "QuestionSpec",
    "RunSummary",
    "SettingsChanges",
    "create_csat_invitations",
    "create_nps_invitations",
    "create_survey",
    "move_surveys_to_survivor",
    "scan_messages_for_praise",
    "send_survey_on_ticket",
    "set_survey_active",
    "submit_response",
    "update_survey_settings",
]
