from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from xiaonuo.accounts import selectors as accounts_selectors

SESSION_KEY = "workspace_id"


class CurrentWorkspaceMiddleware:
    """Sets ``request.workspace`` and ``request.membership`` for signed-in staff.

    The workspace comes from the session (the switcher writes it) and is only honoured if the
    user is a member of it; otherwise the user's first workspace is used.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.workspace = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            membership = None
            wanted = request.session.get(SESSION_KEY)
            if wanted is not None:
                membership = accounts_selectors.get_membership(
                    user=request.user, workspace_id=wanted
                )
            if membership is None:
                membership = accounts_selectors.list_memberships_for_user(user=request.user).first()
            if membership is not None:
                request.workspace = membership.workspace  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)
