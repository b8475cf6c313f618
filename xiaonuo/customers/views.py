"""Console pages for customers: the list, the profile, edits, reveal, merge and erase.

The timeline on the profile is events data, which this app may not import (DESIGN.md §4); the
console app serves it as a fragment (``console:customer_timeline``) that the page loads with htmx
and links to for readers without JavaScript.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.exceptions import CustomersError
from xiaonuo.customers.forms import CustomerEditForm, CustomerFilterForm, EraseForm, MergeForm
from xiaonuo.customers.identities import masked_value
from xiaonuo.customers.models import PERSONAL_IDENTITY_KINDS, Customer, IdentityKind
from xiaonuo.lib.errors import NotFound, ServiceError

# Keyset pages ("before this id"): no OFFSET and no COUNT(*) over a million customers.
PAGE_SIZE = 50
MERGE_CANDIDATES = 20


@dataclass
class CustomerRow:
    customer: Customer
    phone: str  # always masked in lists, whatever the role


def _optional_url(name: str) -> str:
    # Import and export are another part of the console; link to them once they exist.
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@workspace_required(Perm.VIEW_CUSTOMERS)
def customer_list(request: ConsoleRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET)
    form.is_valid()  # invalid filters are dropped; the list still renders
    data = form.cleaned_data
    filters = customers_selectors.CustomerFilters(
        q=data.get("q") or "",
        lifecycle_stage=data.get("stage") or "",
        tag=data.get("tag") or "",
        is_seed=form.is_seed(),
    )
    customers, has_next = customers_selectors.get_customer_page(
        workspace=request.workspace, filters=filters, before=data.get("before"), size=PAGE_SIZE
    )
    rows = [CustomerRow(customer=c, phone=_first_masked_phone(c)) for c in customers]
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "rows": rows,
        "has_next": has_next,
        "next_before": customers[-1].pk if has_next else None,
        "is_first_page": not data.get("before"),
        "filter_query": query.urlencode(),
        "filtered": any(
            [filters.q, filters.lifecycle_stage, filters.tag, filters.is_seed is not None]
        ),
        "tags": customers_selectors.list_tags(workspace=request.workspace)[:200],
        "export_url": _optional_url("customers:export")
        if has_perm(request, Perm.EXPORT_CUSTOMERS)
        else "",
        "import_url": _optional_url("customers:import")
        if has_perm(request, Perm.IMPORT_CUSTOMERS)
        else "",
        "active_area": "customers",
    }
    return render(request, "customers/list.html", context)


def _render_detail(
    request: ConsoleRequest,
    customer_id: int,
    *,
    revealed: dict[int, str] | None = None,
    edit_form: CustomerEditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        customer = customers_selectors.get_customer_profile(
            workspace=request.workspace, customer_id=customer_id
        )
    except NotFound as error:
        if error.code == CustomersError.CUSTOMER_MERGED:
            return redirect("customers:detail", customer_id=error.details["merged_into"])
        raise
    revealed = revealed or {}
    can_reveal = has_perm(request, Perm.REVEAL_PII)
    identities = [
        {
            "identity": identity,
            "display": revealed.get(identity.pk) or masked_value(identity.kind, identity.value),
            "revealed": identity.pk in revealed,
            "can_reveal": can_reveal
            and identity.kind in PERSONAL_IDENTITY_KINDS
            and identity.pk not in revealed,
        }
        for identity in customer.identities.all()
    ]
    tags = [tag.name for tag in customer.tags.all()]
    edit_form = edit_form or CustomerEditForm(
        initial={
            "lifecycle_stage": customer.lifecycle_stage,
            "is_seed": customer.is_seed,
            "tags": ", ".join(tags),
            "consent": [purpose for purpose, given in customer.consent.items() if given],
        }
    )
    labels = customers_selectors.get_attribute_labels(workspace=request.workspace)
    attributes = [(labels.get(key, key), value) for key, value in customer.attributes.items()]
    context: dict[str, Any] = {
        "customer": customer,
        "attributes": attributes,
        "identities": identities,
        "tags": tags,
        "consent": customer.consent,
        "edit_form": edit_form,
        "can_edit": has_perm(request, Perm.EDIT_CUSTOMERS),
        "can_merge": has_perm(request, Perm.MERGE_CUSTOMERS),
        "can_erase": has_perm(request, Perm.ERASE_CUSTOMERS),
        "active_area": "customers",
    }
    return render(request, "customers/detail.html", context, status=status)


@workspace_required(Perm.VIEW_CUSTOMERS)
def customer_detail(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    return _render_detail(request, customer_id)


@require_POST
@workspace_required(Perm.EDIT_CUSTOMERS)
def customer_edit(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    form = CustomerEditForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, customer_id, edit_form=form, status=400)
    changes = customers_services.CustomerChanges(
        lifecycle_stage=form.cleaned_data["lifecycle_stage"],
        is_seed=form.cleaned_data["is_seed"],
        tags=form.tag_names(),
        consent=form.consent_map(),
    )
    try:
        customers_services.update_customer(
            workspace=request.workspace, customer_id=customer_id, changes=changes
        )
    except NotFound:
        raise
    except ServiceError as error:
        messages.error(request, error.message)
        return _render_detail(request, customer_id, edit_form=form, status=400)
    messages.success(request, _("已保存。"))
    return redirect("customers:detail", customer_id=customer_id)


@require_POST
@workspace_required(Perm.REVEAL_PII)
def reveal_identity(request: ConsoleRequest, customer_id: int, identity_id: int) -> HttpResponse:
    value = customers_services.reveal_identity(
        workspace=request.workspace,
        customer_id=customer_id,
        identity_id=identity_id,
        actor=Actor(user=request.user),
    )
    if request.headers.get("HX-Request"):
        return render(request, "customers/_revealed.html", {"value": value})
    return _render_detail(request, customer_id, revealed={identity_id: value})


@workspace_required(Perm.MERGE_CUSTOMERS)
def customer_merge(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """GET: pick the customer to fold in (by id or search), then confirm. POST: merge."""
    customer = customers_selectors.get_customer_profile(
        workspace=request.workspace, customer_id=customer_id
    )
    if request.method == "POST":
        form = MergeForm(request.POST)
        if form.is_valid():
            other_id = form.cleaned_data["other_id"]
            try:
                customers_services.merge_customers(
                    workspace=request.workspace,
                    survivor_id=customer.pk,
                    merged_id=other_id,
                    actor=Actor(user=request.user),
                )
            except NotFound:
                raise
            except ServiceError as error:
                messages.error(request, error.message)
                return redirect("customers:merge", customer_id=customer.pk)
            messages.success(request, _("已将用户 #%(other)s 并入此用户。") % {"other": other_id})
            return redirect("customers:detail", customer_id=customer.pk)
    q = request.GET.get("q", "").strip()
    other = None
    other_id = request.GET.get("other", "").strip()
    if other_id.isdigit() and int(other_id) != customer.pk:
        other = customers_selectors.get_customer_profile(
            workspace=request.workspace, customer_id=int(other_id)
        )
    candidates: list[Customer] = []
    if q and other is None:
        found = customers_selectors.list_customers(
            workspace=request.workspace, filters=customers_selectors.CustomerFilters(q=q)
        ).exclude(pk=customer.pk)
        candidates = list(customers_selectors.with_list_relations(found)[:MERGE_CANDIDATES])
    context = {
        "customer": customer,
        "other": other,
        "other_identities": [(i, masked_value(i.kind, i.value)) for i in other.identities.all()]
        if other
        else [],
        "candidates": [(c, _first_masked_phone(c)) for c in candidates],
        "q": q,
        "searched": bool(q),
        "active_area": "customers",
    }
    return render(request, "customers/merge.html", context)


def _first_masked_phone(customer: Customer) -> str:
    phone = customers_selectors.primary_identity(customer, IdentityKind.PHONE)
    return masked_value(IdentityKind.PHONE, phone.value) if phone else ""


@workspace_required(Perm.ERASE_CUSTOMERS)
def customer_erase(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    customer = customers_selectors.get_customer(
        workspace=request.workspace, customer_id=customer_id
    )
    expected = {str(customer.pk), f"#{customer.pk}"} | ({customer.name} if customer.name else set())
    form = EraseForm(request.POST or None, expected=expected)
    if request.method == "POST" and form.is_valid():
        customers_services.erase_customer(
            workspace=request.workspace, customer_id=customer.pk, actor=Actor(user=request.user)
        )
        messages.success(request, _("用户 #%(id)s 及其全部数据已删除。") % {"id": customer_id})
        return redirect("customers:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "customers/erase.html",
        {"customer": customer, "form": form, "active_area": "customers"},
        status=status,
    )
