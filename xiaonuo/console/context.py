from typing import Any

from django.http import HttpRequest

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.console.navigation import AREAS


def console(request: HttpRequest) -> dict[str, Any]:
    """Navigation and the workspace switcher for every console page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": AREAS}
    return {
        "nav_areas": AREAS,
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": getattr(request, "membership", None),
        "my_memberships": accounts_selectors.list_memberships_for_user(user=user),
    }
