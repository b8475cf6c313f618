from enum import StrEnum


class AccountsError(StrEnum):
    WORKSPACE_EXISTS = "workspace_exists"  # the slug is taken
    WORKSPACE_NOT_FOUND = "workspace_not_found"
    INVITE_INVALID = "invite_invalid"  # unknown, expired or already used
    API_KEY_NOT_FOUND = "api_key_not_found"
    LAST_OWNER = "last_owner"  # a workspace must keep at least one owner
    WEBHOOK_URL_INVALID = "webhook_url_invalid"  # not an http(s) URL, or one with credentials
    WEBHOOK_URL_BLOCKED = "webhook_url_blocked"  # resolves to a private/loopback/reserved address
    WEBHOOK_URL_UNRESOLVABLE = "webhook_url_unresolvable"  # the host name does not resolve
    WEBHOOK_EVENTS_INVALID = "webhook_events_invalid"  # none chosen, or a name we do not send
    WEBHOOK_ENDPOINT_LIMIT = "webhook_endpoint_limit"  # see accounts.webhooks.MAX_ENDPOINTS
    WEBHOOK_ENDPOINT_NOT_FOUND = "webhook_endpoint_not_found"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"  # enable it before sending to it
    WEBHOOK_DELIVERY_NOT_FOUND = "webhook_delivery_not_found"
    WEBHOOK_DELIVERY_NOT_RETRYABLE = "webhook_delivery_not_retryable"  # delivered, or in flight
