from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xiaonuo.accounts.auth import workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.customers import selectors as customers_selectors


@workspace_required(Perm.VIEW_CUSTOMERS)
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = customers_selectors.CustomerFilters(q=request.GET.get("q", ""))
    customers = customers_selectors.with_list_relations(
        customers_selectors.list_customers(workspace=request.workspace, filters=filters)
    )[:50]
    return render(request, "customers/list.html", {"customers": customers, "active_area": "customers"})


@workspace_required(Perm.VIEW_CUSTOMERS)
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customers_selectors.get_customer_profile(workspace=request.workspace, customer_id=customer_id)
    return render(request, "customers/detail.html", {"customer": customer, "active_area": "customers"})
