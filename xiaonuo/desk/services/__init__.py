"""The desk's use cases, one function each, imported by module name::

    from xiaonuo.desk import services as desk_services
    desk_services.reply_to_ticket(workspace=…, ticket_id=…, text=…, actor=…)

The console, the API, channel adapters and jobs all call these; nothing else writes desk rows.
Grouped by sub-domain in the modules of this package.
"""

from xiaonuo.desk.services._common import clean_text
from xiaonuo.desk.services.assignment import (
    fill_free_capacity,
    set_capacity,
    set_presence,
    set_tone_words,
    update_desk_settings,
)
from xiaonuo.desk.services.bot import hand_off_ticket, record_bot_reply, settle_bot_reply
from xiaonuo.desk.services.canned import (
    RenderedReply,
    create_canned_reply,
    delete_canned_reply,
    render_canned_reply,
    update_canned_reply,
)
from xiaonuo.desk.services.complaints import (
    classify_complaint,
    decide_compensation,
    escalate_complaint,
    offer_compensation,
    open_complaint,
    record_recovery,
    resolve_complaint,
)
from xiaonuo.desk.services.messages import (
    Received,
    add_note,
    push_message,
    receive_message,
    reply_to_ticket,
)
from xiaonuo.desk.services.reactions import erase_customer_desk_data, move_desk_to_survivor
from xiaonuo.desk.services.teams import create_team, delete_team, set_ticket_team, update_team
from xiaonuo.desk.services.tickets import (
    assign_ticket,
    close_solved_tickets,
    merge_tickets,
    open_ticket,
    set_ticket_status,
    update_ticket,
)

__all__ = [
    "Received",
    "RenderedReply",
    "add_note",
    "assign_ticket",
    "classify_complaint",
    "clean_text",
    "close_solved_tickets",
    "create_canned_reply",
    "create_team",
    "decide_compensation",
    "delete_canned_reply",
    "delete_team",
    "erase_customer_desk_data",
    "escalate_complaint",
    "fill_free_capacity",
    "hand_off_ticket",
    "merge_tickets",
    "move_desk_to_survivor",
    "offer_compensation",
    "open_complaint",
    "open_ticket",
    "push_message",
    "receive_message",
    "record_bot_reply",
    "record_recovery",
    "render_canned_reply",
    "reply_to_ticket",
    "resolve_complaint",
    "set_capacity",
    "set_presence",
    "set_ticket_status",
    "set_ticket_team",
    "settle_bot_reply",
    "set_tone_words",
    "update_canned_reply",
    "update_desk_settings",
    "update_team",
    "update_ticket",
]
