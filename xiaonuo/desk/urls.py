from django.urls import path

from xiaonuo.desk.views import complaints, inbox, settings, tickets

app_name = "desk"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("live/", inbox.inbox_live, name="inbox_live"),
    path("presence/", inbox.presence, name="presence"),
    path("tickets/<int:ticket_id>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/live/", tickets.ticket_live, name="ticket_live"),
    path("tickets/<int:ticket_id>/reply/", tickets.ticket_reply, name="reply"),
    path("tickets/<int:ticket_id>/note/", tickets.ticket_note, name="note"),
    path("tickets/<int:ticket_id>/status/", tickets.ticket_status, name="status"),
    path("tickets/<int:ticket_id>/properties/", tickets.ticket_properties, name="properties"),
    path("tickets/<int:ticket_id>/assign/", tickets.ticket_assign, name="assign"),
    path("tickets/<int:ticket_id>/team/", tickets.ticket_team, name="team"),
    path("tickets/<int:ticket_id>/complaint/", tickets.ticket_complaint, name="open_complaint"),
    path("tickets/<int:ticket_id>/merge/", tickets.ticket_merge, name="merge"),
    path("complaints/", complaints.complaint_list, name="complaints"),
    path("complaints/<int:complaint_id>/", complaints.complaint_detail, name="complaint"),
    path(
        "complaints/<int:complaint_id>/<slug:action>/",
        complaints.complaint_action,
        name="complaint_action",
    ),
    path("settings/", settings.settings_home, name="settings"),
    path("settings/capacity/", settings.settings_capacity, name="capacity"),
    path("settings/canned/", settings.canned_list, name="canned"),
    path("settings/canned/<int:canned_reply_id>/", settings.canned_edit, name="canned_edit"),
    path(
        "settings/canned/<int:canned_reply_id>/delete/",
        settings.canned_delete,
        name="canned_delete",
    ),
    path("settings/tone/", settings.tone_words, name="tone_words"),
    path("settings/teams/", settings.team_list, name="teams"),
    path("settings/teams/<int:team_id>/", settings.team_edit, name="team_edit"),
    path("settings/teams/<int:team_id>/delete/", settings.team_delete, name="team_delete"),
]
