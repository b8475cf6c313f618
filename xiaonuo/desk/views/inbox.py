"""The inbox: the desk's ticket list, its live update, and the agent's presence.

Live update (why polling): an open inbox asks ``inbox_live`` once a second "has anything changed
since the newest activity I saw?". Unchanged — the common case — costs one probe of the top of
the ``ticket_inbox_all`` index and answers 204. Changed somewhere in the workspace, the first
page's (id, version) pairs are read from the page's own index range and compared with the
digest the page holds; only a page that really changed is rendered again. Every request is
independent, so it survives restarts, proxies and several web processes without a message
broker or long-lived connections (docs/decisions/0006-desk-model.md; the report of the console
work has the numbers).
"""

import hashlib
from typing import Any

from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.forms import InboxFilterForm, PresenceForm, encode_cursor, micros
from xiaonuo.desk.selectors import InboxFilters
from xiaonuo.desk.views import _common, integrations

PAGE_SIZE = 50


def _filters(request: ConsoleRequest) -> tuple[InboxFilterForm, InboxFilters]:
    form = InboxFilterForm(request.GET)
    form.is_valid()  # invalid filters are dropped; the inbox still renders
    data = form.cleaned_data
    filters = InboxFilters(
        view=data.get("view") or "all",
        user=request.user,
        statuses=form.statuses(),
        channel_id=data.get("channel"),
        tag=(data.get("tag") or "").strip(),
        priority=data.get("priority"),
    )
    return form, filters


def _digest(keys: list[tuple[int, int]]) -> str:
    return hashlib.sha1(repr(keys).encode(), usedforsecurity=False).hexdigest()[:16]


def _filter_query(request: ConsoleRequest, *drop: str) -> str:
    query: QueryDict = request.GET.copy()
    for name in ("after", "since", "digest", "first", *drop):
        query.pop(name, None)
    return query.urlencode()


def _list_context(
    request: ConsoleRequest, form: InboxFilterForm, filters: InboxFilters
) -> dict[str, Any]:
    workspace = request.workspace
    cursor = form.cursor()
    marker = desk_selectors.get_inbox_marker(workspace=workspace)
    tickets, next_cursor = desk_selectors.get_inbox_page(
        workspace=workspace, filters=filters, after=cursor, size=PAGE_SIZE
    )
    _common.load_identities_of_nameless(t.customer for t in tickets)
    sla = integrations.sla_states(workspace=workspace, tickets=tickets)
    rows = [
        {
            "ticket": t,
            "customer": _common.customer_label(t.customer),
            "assignee": _common.user_name(t.assignee),
            "excerpt": _excerpt(getattr(t, "last_excerpt", None)),
            "sla": sla.get(t.pk),
        }
        for t in tickets
    ]
    data = form.cleaned_data
    return {
        "rows": rows,
        "first_page": cursor is None,
        "next_after": encode_cursor(next_cursor),
        "current_after": encode_cursor(cursor),
        "filter_query": _filter_query(request),
        "since": micros(marker),
        "digest": _digest([(t.pk, t.version) for t in tickets]) if cursor is None else "",
        "filtered": bool(
            data.get("view") not in (None, "", "all")
            or data.get("status")
            or data.get("channel")
            or data.get("tag")
            or data.get("priority")
        ),
        "workspace_empty": marker is None,
    }


def _excerpt(text: str | None) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    if len(text) > desk_selectors.EXCERPT_CHARS:
        return text[: desk_selectors.EXCERPT_CHARS - 1] + "…"
    return text


@workspace_required(Perm.VIEW_DESK)
def inbox(request: ConsoleRequest) -> HttpResponse:
    form, filters = _filters(request)
    query = (form.cleaned_data.get("q") or "").strip()
    context = _common.desk_context(
        request,
        form=form,
        channels=channels_selectors.list_channels(workspace=request.workspace),
        tags=desk_selectors.list_ticket_tags(workspace=request.workspace)[:200],
        search_available=integrations.search_available(),
        query=query,
        desk_tab="inbox",
    )
    if query and integrations.search_available():
        return _search_results(request, context, query)
    context.update(_list_context(request, form, filters))
    return render(request, "desk/inbox.html", context)


def _search_results(request: ConsoleRequest, context: dict[str, Any], query: str) -> HttpResponse:
    raw_before = request.GET.get("before", "")
    before = int(raw_before) if raw_before.isdigit() else None
    hits = integrations.search(workspace=request.workspace, query=query, before=before)
    tickets = desk_selectors.get_tickets_by_id(
        workspace=request.workspace, ticket_ids=[h.ticket_id for h in hits]
    )
    _common.load_identities_of_nameless(t.customer for t in tickets.values())
    context["results"] = [
        {
            "hit": hit,
            "ticket": tickets[hit.ticket_id],
            "customer": _common.customer_label(tickets[hit.ticket_id].customer),
        }
        for hit in hits
        if hit.ticket_id in tickets
    ]
    context["next_before"] = hits[-1].message_id if len(hits) == integrations.SEARCH_LIMIT else ""
    return render(request, "desk/search_results.html", context)


@workspace_required(Perm.VIEW_DESK)
def inbox_live(request: ConsoleRequest) -> HttpResponse:
    """The open inbox's poll (see the module docstring). 204 = nothing changed."""
    form, filters = _filters(request)
    try:
        since = int(request.GET.get("since", "0"))
    except ValueError:
        since = 0
    marker = desk_selectors.get_inbox_marker(workspace=request.workspace)
    if micros(marker) <= since:
        return HttpResponse(status=204)
    filter_query = _filter_query(request)
    if form.cursor() is not None:
        # A later page is not re-ordered under the reader; it offers the first page instead.
        return render(request, "desk/_inbox_news.html", {"filter_query": filter_query})
    keys = desk_selectors.get_inbox_page_versions(
        workspace=request.workspace, filters=filters, size=PAGE_SIZE
    )
    if _digest(keys) == request.GET.get("digest", ""):
        # Activity elsewhere (another filter's tickets): only the poller learns the new marker.
        return render(
            request,
            "desk/_inbox_poller.html",
            {
                "since": micros(marker),
                "digest": _digest(keys),
                "filter_query": filter_query,
                "poller_oob": True,
            },
        )
    context = _list_context(request, form, filters)
    context["live"] = True
    return render(request, "desk/_inbox_live.html", context)


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def presence(request: ConsoleRequest) -> HttpResponse:
    """An agent switches between online and away (online agents receive new tickets)."""
    form = PresenceForm(request.POST)
    if form.is_valid():
        desk_services.set_presence(
            workspace=request.workspace, user=request.user, status=form.cleaned_data["status"]
        )
    next_url = form.cleaned_data.get("next", "") if form.is_valid() else ""
    if request.headers.get("HX-Request"):
        return render(request, "desk/_presence.html", _common.desk_context(request))
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("desk:inbox")
