"""Survey links that work without signing in: ``/desk/surveys/r/<token>/``.

The token is the invitation's workspace and id, signed with the site's ``SECRET_KEY`` (Django's
``signing``: HMAC-SHA256 with a salt of our own), so a forged or altered token is refused before
the database is asked, and ids cannot be walked. What the token does not carry lives on the
invitation row: whether it was answered (single use: a conditional UPDATE claims it) and until
when it is valid (``expires_at``; the workspace chooses up to ``MAX_LINK_VALID_DAYS``). The
signature's own age limit is that maximum, a second line if a row's date were ever wrong.
Rotating ``SECRET_KEY`` invalidates every open link, as it does every session.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from xiaonuo.desk.surveys.exceptions import SurveysError
from xiaonuo.desk.surveys.models import MAX_LINK_VALID_DAYS, Invitation
from xiaonuo.lib.errors import NotFound, ServiceError

_SALT = "xiaonuo.desk.surveys.link"
# Tokens are ~60 characters; anything much longer is not one of ours.
_MAX_TOKEN_CHARS = 200


def make_token(invitation: Invitation) -> str:
    return signing.dumps([invitation.workspace_id, invitation.pk], salt=_SALT)


def link_for(invitation: Invitation) -> str:
    """The absolute link a customer opens (``SITE_URL`` is the public address)."""
    path = reverse("desk_surveys:respond", args=[make_token(invitation)])
    return f"{settings.SITE_URL}{path}"


def read_token(token: str) -> tuple[int, int]:
    """(workspace id, invitation id) of a token we signed; ``survey_link_invalid`` (404) for a
    forged or altered one, ``survey_link_expired`` (410) past the longest validity."""
    if not token or len(token) > _MAX_TOKEN_CHARS:
        raise invalid_link()
    try:
        value = signing.loads(token, salt=_SALT, max_age=timedelta(days=MAX_LINK_VALID_DAYS + 1))
    except signing.SignatureExpired:
        raise expired_link() from None
    except signing.BadSignature:
        raise invalid_link() from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise invalid_link()
    return value[0], value[1]


def invalid_link() -> NotFound:
    return NotFound(SurveysError.LINK_INVALID, "This survey link is not valid")


def expired_link() -> ServiceError:
    return ServiceError(SurveysError.LINK_EXPIRED, "This survey link has expired", status=410)
