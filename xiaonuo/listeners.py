"""Every reaction of one app to what happened in another, in one explicit list (no signals).

Lower apps announce with ``xiaonuo.lib.dispatch``; this module, read by name, says who reacts.
Keep each entry's reason beside it.
"""

from collections.abc import Callable
from typing import Any

from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.channels import widget as channels_widget
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.search import services as search_services
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.events import services as events_services
from xiaonuo.feedback import services as feedback_services
from xiaonuo.feedback import tasks as feedback_tasks

LISTENERS: dict[str, list[Callable[..., Any]]] = {
    # A merge keeps everything the two people did: events follow the survivor (same transaction),
    # and so do their conversations, tickets and complaints.
    "customer.merged": [
        events_services.move_events_to_survivor,
        desk_services.move_desk_to_survivor,
        channels_widget.move_visitors_to_survivor,
        surveys_services.move_surveys_to_survivor,
        feedback_services.move_feedback_to_survivor,
    ],
    # A privacy erasure removes the person's behaviour too, not only the profile, and every
    # message they exchanged with the desk. Auto-reply goes before the desk: it finds the
    # person's questions through their messages.
    "customer.erased": [
        events_services.erase_customer_events,
        autoreply_services.erase_customer_questions,
        desk_services.erase_customer_desk_data,
        channels_widget.erase_customer_visitors,
        feedback_services.erase_customer_feedback,
    ],
    # A new message is searchable as soon as it is stored (the catch-up job covers a lost one).
    # It is enriched (sentiment, aspects, complaint rule) by a background job, not in the request.
    "desk.message_created": [search_services.index_new_message, feedback_tasks.on_message_created],
    # A survey comment is enriched like a message.
    "survey.response_created": [feedback_tasks.on_survey_response_created],
}

# The web chat widget (channels, below the desk) hands a visitor's message to the desk and reads
# the thread back: an upward call, so it is wired here rather than imported
# (xiaonuo/channels/desk_port.py).
CHANNEL_DESK: dict[str, Callable[..., Any]] = {
    "receive_message": desk_services.receive_message,
    "list_thread": desk_selectors.list_thread,
}

# The WeChat Official Account callback (channels) answers inside its own HTTP response, so it asks
# auto-reply for the answer while the request is open: an upward call, wired here
# (xiaonuo/channels/autoreply_port.py).
CHANNEL_AUTOREPLY: dict[str, Callable[..., Any]] = {
    "respond": autoreply_services.respond,
    "subscription": autoreply_services.subscription,
    "click": autoreply_services.click,
    "settle": autoreply_services.settle,
}
