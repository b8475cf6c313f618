"""The console's shell pages: dashboard, not-yet-built areas, the workspace switcher, and the
customer timeline (events data, so it is served here, above both customers and events)."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts.auth import ConsoleRequest, workspace_required
from xiaonuo.accounts.middleware import SESSION_KEY
from xiaonuo.accounts.permissions import Perm
from xiaonuo.console import selectors as console_selectors
from xiaonuo.console.navigation import AREAS_BY_SLUG
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.events import selectors as events_selectors

TIMELINE_PAGE_SIZE = 20


@workspace_required()
def dashboard(request: ConsoleRequest) -> HttpResponse:
    counts = console_selectors.get_today_counts(workspace=request.workspace)
    stages = console_selectors.get_lifecycle_distribution(workspace=request.workspace)
    chart = {"labels": [str(s.label) for s in stages], "values": [s.count for s in stages]}
    context = {
        "counts": counts,
        "stages": stages,
        "stages_total": sum(s.count for s in stages),
        "chart": chart,
        "active_area": "dashboard",
    }
    return render(request, "console/dashboard.html", context)


@workspace_required()
def area_not_built(request: ConsoleRequest, slug: str) -> HttpResponse:
    area = AREAS_BY_SLUG.get(slug)
    if area is None or area.url_name is not None:
        raise Http404
    return render(request, "console/area_not_built.html", {"area": area, "active_area": slug})


@require_POST
@workspace_required()
def switch_workspace(request: ConsoleRequest) -> HttpResponse:
    """Remembers the chosen workspace in the session, only if the user is a member of it."""
    raw = request.POST.get("workspace_id", "")
    membership = (
        accounts_selectors.get_membership(user=request.user, workspace_id=int(raw))
        if raw.isdigit()
        else None
    )
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = membership.workspace_id
    # Object pages of the old workspace would 404 in the new one, so go back only to list pages.
    next_url = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    if safe and not any(ch.isdigit() for ch in next_url.split("?")[0]):
        return redirect(next_url)
    return redirect("console:dashboard")


@workspace_required(Perm.VIEW_CUSTOMERS)
def customer_timeline(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    customer = customers_selectors.get_customer(
        workspace=request.workspace, customer_id=customer_id
    )
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    start = (page - 1) * TIMELINE_PAGE_SIZE
    # One extra event says whether an older page exists, so no COUNT is needed.
    events = events_selectors.list_customer_events(
        workspace=request.workspace,
        customer_id=customer.pk,
        offset=start,
        limit=TIMELINE_PAGE_SIZE + 1,
    )
    context = {
        "customer": customer,
        "events": events[:TIMELINE_PAGE_SIZE],
        "page": page,
        "has_older": len(events) > TIMELINE_PAGE_SIZE,
        "active_area": "customers",
    }
    template = (
        "customers/_timeline.html"
        if request.headers.get("HX-Request")
        else "customers/timeline.html"
    )
    return render(request, template, context)
