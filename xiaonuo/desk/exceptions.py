from enum import StrEnum


class DeskError(StrEnum):
    CONVERSATION_NOT_FOUND = "conversation_not_found"  # unknown id or another workspace's
    TICKET_NOT_FOUND = "ticket_not_found"
    COMPLAINT_NOT_FOUND = "complaint_not_found"
    CANNED_REPLY_NOT_FOUND = "canned_reply_not_found"
    TEAM_NOT_FOUND = "team_not_found"
    MESSAGE_EMPTY = "message_empty"  # no text, or only whitespace
    MESSAGE_TOO_LONG = "message_too_long"  # over models.MAX_MESSAGE_CHARS characters
    SENDER_UNKNOWN = "sender_unknown"  # an inbound message with neither identities nor conversation
    TICKET_CLOSED = "ticket_closed"  # closed tickets are final: no replies, notes or changes
    TICKET_HAS_NO_CONVERSATION = "ticket_has_no_conversation"  # a reply needs a channel to go to
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"  # see models.TICKET_TRANSITIONS
    STATUS_INVALID = "status_invalid"
    PRIORITY_INVALID = "priority_invalid"
    SUBJECT_TOO_LONG = "subject_too_long"
    TAG_INVALID = "tag_invalid"  # empty or longer than 50 characters
    AGENT_INVALID = "agent_invalid"  # API: agent_id names no member who handles conversations
    ASSIGNEE_INVALID = "assignee_invalid"  # not a member who may handle conversations
    ASSIGN_OTHERS_FORBIDDEN = "assign_others_forbidden"  # agents may only take tickets themselves
    MERGE_SAME = "merge_same"  # a ticket cannot be merged into itself
    MERGE_CUSTOMER_MISMATCH = "merge_customer_mismatch"  # merge the customers first
    CAPACITY_INVALID = "capacity_invalid"
    PRESENCE_INVALID = "presence_invalid"
    ASSIGNMENT_MODE_INVALID = "assignment_mode_invalid"
    CANNED_REPLY_INVALID = "canned_reply_invalid"  # empty title or body, or too long
    CANNED_VARIABLE_UNKNOWN = "canned_variable_unknown"  # {{…}} names no known variable
    CANNED_TITLE_TAKEN = "canned_title_taken"
    COMPLAINT_INVALID = "complaint_invalid"  # severity or category not one of the choices
    COMPLAINT_STATE = "complaint_state"  # the action does not fit the complaint's status
    COMPENSATION_INVALID = "compensation_invalid"  # unknown kind, or amount out of range
    COMPENSATION_PENDING = "compensation_pending"  # resolve after the offer is decided
    ESCALATION_TARGET_INVALID = "escalation_target_invalid"  # not a supervisor of the workspace
    TONE_WARNING = "tone_warning"  # the reply's tone was flagged: send anyway or reword
    TONE_WORDS_INVALID = "tone_words_invalid"  # a word list too long, or an entry too long
    TEAM_INVALID = "team_invalid"  # empty or too long a name, or a member who is not an agent
    TEAM_NAME_TAKEN = "team_name_taken"
    NOT_ALLOWED = "not_allowed"  # the actor's role does not permit this (see permissions.md)
