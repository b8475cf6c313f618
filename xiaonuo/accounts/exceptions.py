from enum import StrEnum


class AccountsError(StrEnum):
    WORKSPACE_EXISTS = "workspace_exists"  # the slug is taken
    WORKSPACE_NOT_FOUND = "workspace_not_found"
    INVITE_INVALID = "invite_invalid"  # unknown, expired or already used
    API_KEY_NOT_FOUND = "api_key_not_found"
    LAST_OWNER = "last_owner"  # a workspace must keep at least one owner
