from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from xiaonuo.accounts.auth import workspace_required
from xiaonuo.console import selectors as console_selectors
from xiaonuo.console.navigation import AREAS_BY_SLUG


@workspace_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = console_selectors.get_today_counts(workspace=request.workspace)
    return render(request, "console/dashboard.html", {"counts": counts, "active_area": "dashboard"})


@workspace_required()
def area_not_built(request: HttpRequest, slug: str) -> HttpResponse:
    area = AREAS_BY_SLUG.get(slug)
    if area is None or area.url_name is not None:
        raise Http404
    return render(request, "console/area_not_built.html", {"area": area, "active_area": slug})
