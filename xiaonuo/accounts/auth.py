"""Authentication and authorisation helpers for the console and the API."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from ninja.security import HttpBearer

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts.models import ApiKey, Membership, User, Workspace
from xiaonuo.accounts.permissions import Perm, can
from xiaonuo.lib.errors import NotFound


class ConsoleRequest(HttpRequest):
    """The request a ``workspace_required`` view receives: a signed-in member of a workspace
    (set by ``CurrentWorkspaceMiddleware``). For type checking only."""

    user: User
    workspace: Workspace
    membership: Membership


class ApiRequest(HttpRequest):
    """The request an API endpoint receives: ``auth`` is the caller's API key. Typing only."""

    auth: ApiKey


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer xn_…``; the key decides the workspace of every API call."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return accounts_selectors.get_active_api_key(secret=token)


def workspace_required(
    perm: Perm | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Console views: a signed-in member of the current workspace, optionally with ``perm``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect("accounts:no_workspace")
            if perm is not None and not can(membership.role, perm):
                raise PermissionDenied()
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                # Another workspace's id is "not found", never "forbidden": existence must not leak.
                raise Http404 from None

        return wrapper

    return decorator


def has_perm(request: HttpRequest, perm: Perm) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and can(membership.role, perm)
