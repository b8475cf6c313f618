"""The service desk's REST endpoints (the API channel, tone check)."""

from ninja import Router

router = Router(tags=["desk"])
