"""Auto-reply's use cases, one function each, imported by module name::

    from xiaonuo.autoreply import services as autoreply_services
    autoreply_services.create_entry(workspace=…, data=FaqInput(…), actor=…)

Knowledge base: ``create_entry``, ``update_entry`` (``FaqChanges``), ``disable_entry``,
``delete_entry``, ``import_entries`` (CSV / .xlsx, all or nothing), ``export_entries``,
``set_dictionary``, ``create_synonym_group``, ``update_synonym_group``,
``delete_synonym_group``, ``update_settings`` (``SettingsChanges``: threshold, enabled,
channels, welcome reply, grinding numbers).
Keyword rules: ``create_rule``, ``update_rule``, ``delete_rule`` (``RuleInput``),
``check_pattern``.
Live path (wired in ``listeners.CHANNEL_AUTOREPLY``): ``respond``, ``subscription``, ``click``,
``settle``.
Agents and the console: ``confirm_suggestion`` (answer a handed-off ticket with an entry; the
matcher learns), ``record_feedback`` (the test box's correction), ``preview_answer`` (the test
box), ``group_unanswered`` (weekly job), ``accept_group`` (a group becomes an entry in one call),
``dismiss_group``, ``erase_customer_questions`` (a privacy erasure).
Reads are in ``xiaonuo.autoreply.selectors`` (``get_hand_off`` for the ticket page's
suggestions, ``get_metrics``, ``list_entries``, ``list_unanswered_groups`` …).
"""

from xiaonuo.autoreply.services.files import ImportResult, export_entries, import_entries
from xiaonuo.autoreply.services.flow import (
    Preview,
    answer_as_text,
    click,
    confirm_suggestion,
    preview_answer,
    record_feedback,
    respond,
    settle,
    subscription,
)
from xiaonuo.autoreply.services.knowledge import (
    Answer,
    FaqChanges,
    FaqInput,
    SettingsChanges,
    create_entry,
    create_synonym_group,
    delete_entry,
    delete_synonym_group,
    disable_entry,
    set_dictionary,
    update_entry,
    update_settings,
    update_synonym_group,
)
from xiaonuo.autoreply.services.rules import (
    RuleInput,
    check_pattern,
    create_rule,
    delete_rule,
    update_rule,
)
from xiaonuo.autoreply.services.unanswered import (
    accept_group,
    dismiss_group,
    erase_customer_questions,
    group_unanswered,
)

__all__ = [
    "Answer",
    "FaqChanges",
    "FaqInput",
    "ImportResult",
    "Preview",
    "RuleInput",
    "SettingsChanges",
    "accept_group",
    "answer_as_text",
    "check_pattern",
    "click",
    "confirm_suggestion",
    "create_entry",
    "create_rule",
    "create_synonym_group",
    "delete_entry",
    "delete_rule",
    "delete_synonym_group",
    "disable_entry",
    "dismiss_group",
    "erase_customer_questions",
    "export_entries",
    "group_unanswered",
    "import_entries",
    "preview_answer",
    "record_feedback",
    "respond",
    "set_dictionary",
    "settle",
    "subscription",
    "update_entry",
    "update_rule",
    "update_settings",
    "update_synonym_group",
]
