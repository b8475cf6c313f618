"""Reads of customers, always within one workspace."""

import re
import sys
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from xiaonuo.accounts.models import Workspace
from xiaonuo.customers.exceptions import CustomersError
from xiaonuo.customers.identities import normalise
from xiaonuo.customers.models import (
    AttributeDefinition,
    Customer,
    Identity,
    IdentityKind,
    MergeRecord,
    Tag,
)
from xiaonuo.lib.errors import NotFound, ServiceError

_DIGITS = re.compile(r"^\+?\d[\d\s-]{2,}$")


def customer_not_found(**details: object) -> NotFound:
    return NotFound(CustomersError.CUSTOMER_NOT_FOUND, "Customer not found", **details)


def get_customer(*, workspace: Workspace, customer_id: int, for_update: bool = False) -> Customer:
    qs = Customer.objects.filter(workspace=workspace, pk=customer_id)
    if for_update:
        qs = qs.select_for_update()
    customer = qs.first()
    if customer is None:
        survivor = get_merge_survivor_id(workspace=workspace, customer_id=customer_id)
        if survivor is not None:
            raise NotFound(
                CustomersError.CUSTOMER_MERGED,
                "Customer was merged into another",
                merged_into=survivor,
            )
        raise customer_not_found()
    return customer


def get_merge_survivor_id(*, workspace: Workspace, customer_id: int) -> int | None:
    return (
        MergeRecord.objects.filter(workspace=workspace, merged_id=customer_id)
        .values_list("survivor_id", flat=True)
        .first()
    )


def get_customer_profile(*, workspace: Workspace, customer_id: int) -> Customer:
    customer = get_customer(workspace=workspace, customer_id=customer_id)
    # Two extra queries for the page, however many identities and tags the customer has.
    return (
        Customer.objects.filter(pk=customer.pk)
        .prefetch_related(
            Prefetch("identities", queryset=Identity.objects.order_by("kind", "id")), "tags"
        )
        .get()
    )


def find_customer_by_identity(*, workspace: Workspace, kind: str, value: str) -> Customer | None:
    try:
        value = normalise(kind, value)
    except ServiceError:  # an invalid phone simply finds nobody
        return None
    identity = (
        Identity.objects.filter(workspace=workspace, kind=kind, value=value)
        .select_related("customer")
        .first()
    )
    return identity.customer if identity else None


@dataclass
class CustomerFilters:
    q: str = ""  # name prefix, phone (full or prefix) or any identity value
    lifecycle_stage: str = ""
    tag: str = ""
    is_seed: bool | None = None


def list_customers(*, workspace: Workspace, filters: CustomerFilters) -> QuerySet[Customer]:
    qs = Customer.objects.filter(workspace=workspace)
    if filters.lifecycle_stage:
        qs = qs.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.is_seed is not None:
        qs = qs.filter(is_seed=filters.is_seed)
    if filters.tag:
        qs = qs.filter(tags__workspace=workspace, tags__name=filters.tag)
    q = filters.q.strip()
    if q:
        qs = qs.filter(_search_condition(workspace=workspace, q=q))
    return qs.order_by("-id")


def get_customer_page(
    *, workspace: Workspace, filters: CustomerFilters, before: int | None, size: int
) -> tuple[list[Customer], bool]:
    """One page of the customer list, newest first, keyset-paged by id; and whether more follow.

    Ids are paged first, then only the page's rows are read: a search for 王 matches 70,000 of a
    million customers, and selecting whole rows made SQLite read every match before sorting,
    where the name index alone holds the ids it needs.
    """
    qs = list_customers(workspace=workspace, filters=filters)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    ids = list(qs.values_list("pk", flat=True)[: size + 1])
    page = list(with_list_relations(Customer.objects.filter(pk__in=ids[:size]).order_by("-id")))
    return page, len(ids) > size


def _search_condition(*, workspace: Workspace, q: str) -> Q:
    """Index-served search: a pasted identity (openid, e-mail, member id), a whole or partial
    phone number, or the start of a name (王小).

    Substring search (LIKE '%…%') would scan a million rows. Identity matches are resolved
    first into a short id list, so the main query stays a single index range.
    """
    if _DIGITS.match(q):
        digits = re.sub(r"[\s-]", "", q)
        if digits.startswith("+86"):
            digits = digits[3:]
        prefix = _starts_with("value", digits)
        ids = list(
            Identity.objects.filter(prefix, workspace=workspace).values_list(
                "customer_id", flat=True
            )[:500]
        )
        return Q(pk__in=ids)
    ids = list(
        Identity.objects.filter(workspace=workspace, value__in={q, q.lower()}).values_list(
            "customer_id", flat=True
        )
    )
    if ids:  # nobody's name is an openid or an e-mail address
        return Q(pk__in=ids)
    return _starts_with("name", q)


def _starts_with(field: str, prefix: str) -> Q:
    if connection.vendor == "sqlite" and ord(prefix[-1]) < sys.maxunicode:
        # SQLite serves LIKE 'x%' from an index only under NOCASE collation; this range is the
        # same set in its binary (UTF-8) order and is served by the ordinary index.
        return Q(
            **{f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}
        )
    # PostgreSQL: LIKE 'x%' is served by the text_pattern_ops indexes (migration 0003).
    return Q(**{f"{field}__startswith": prefix})


def with_list_relations(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """What a customer list row shows: identities and tags in two queries per page."""
    return qs.prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "id")), "tags"
    )


def get_attribute_labels(*, workspace: Workspace) -> dict[str, str]:
    """Declared attribute keys and the names people gave them (会员等级 for member_level)."""
    return dict(AttributeDefinition.objects.filter(workspace=workspace).values_list("key", "label"))


def list_tags(*, workspace: Workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace)


def primary_identity(customer: Customer, kind: IdentityKind) -> Identity | None:
    """The first identity of a kind among prefetched identities (no query)."""
    for identity in customer.identities.all():
        if identity.kind == kind:
            return identity
    return None
