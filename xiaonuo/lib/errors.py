"""The one error type services raise. The API maps it to JSON ``{code, message, details}``."""

from typing import Any


class ServiceError(Exception):
    """A use case refused: ``code`` is stable for clients, ``message`` is for people."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        if status is not None:
            self.status = status


class NotFound(ServiceError):
    status = 404

    def __init__(self, code: str = "not_found", message: str = "Not found", **details: Any):
        super().__init__(code, message, **details)


class PermissionDenied(ServiceError):
    status = 403

    def __init__(
        self, code: str = "permission_denied", message: str = "Permission denied", **details: Any
    ):
        super().__init__(code, message, **details)
