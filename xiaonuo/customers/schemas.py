from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class IdentityOut(Schema):
    kind: str
    value: str


class CustomerOut(Schema):
    id: int
    name: str
    gender: str
    city: str
    lifecycle_stage: str
    is_seed: bool
    attributes: dict[str, Any]
    consent: dict[str, bool]
    tags: list[str]
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=100)
    gender: str | None = Field(None, pattern="^(|male|female)$")
    city: str | None = Field(None, max_length=50)
    lifecycle_stage: str | None = None
    is_seed: bool | None = None
    attributes: dict[str, Any] | None = None
    consent: dict[str, bool] | None = None
    tags: list[str] | None = Field(None, max_length=100)
    identities: dict[str, str] | None = Field(
        None, description='kind → value, e.g. {"phone": "13812341234"}'
    )


class CustomerList(Schema):
    items: list[CustomerOut]
