from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xiaonuo.accounts.auth import workspace_required


@login_required
def no_workspace(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_workspace.html")


@workspace_required()
def settings_home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html", {"active_area": "settings"})
