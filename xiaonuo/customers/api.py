from ninja import Query, Router, Schema, Status

from xiaonuo.accounts.auth import ApiRequest
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer, IdentityKind
from xiaonuo.customers.schemas import CustomerList, CustomerOut, CustomerPatch
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.lib.errors import ServiceError

router = Router(tags=["customers"])


def customer_out(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "gender": customer.gender,
        "city": customer.city,
        "lifecycle_stage": customer.lifecycle_stage,
        "is_seed": customer.is_seed,
        "attributes": customer.attributes,
        "consent": customer.consent,
        "tags": [t.name for t in customer.tags.all()],
        "identities": [{"kind": i.kind, "value": i.value} for i in customer.identities.all()],
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


class LookupQuery(Schema):
    phone: str | None = None
    email: str | None = None
    openid: str | None = None
    unionid: str | None = None
    qq: str | None = None
    external_id: str | None = None


@router.get("/customers", response=CustomerList, summary="Look a customer up by an identity")
def lookup_customers(request: ApiRequest, query: Query[LookupQuery]) -> dict:
    given = {k: v for k, v in query.dict().items() if v}
    if len(given) != 1:
        raise ServiceError(
            "lookup_needs_one_identity",
            "Give exactly one of phone, email, openid, unionid, qq, external_id",
        )
    ((kind, value),) = given.items()
    workspace = request.auth.workspace
    customer = customers_selectors.find_customer_by_identity(
        workspace=workspace, kind=IdentityKind(kind), value=value
    )
    if customer is None:
        return {"items": []}
    return {
        "items": [
            customer_out(
                customers_selectors.get_customer_profile(
                    workspace=workspace, customer_id=customer.pk
                )
            )
        ]
    }


@router.get("/customers/{customer_id}", response=CustomerOut)
def get_customer(request: ApiRequest, customer_id: int) -> dict:
    customer = customers_selectors.get_customer_profile(
        workspace=request.auth.workspace, customer_id=customer_id
    )
    return customer_out(customer)


@router.patch("/customers/{customer_id}", response=CustomerOut)
def patch_customer(request: ApiRequest, customer_id: int, payload: CustomerPatch) -> dict:
    data = payload.dict(exclude_unset=True)
    changes = CustomerChanges(**{**data, "identities": data.get("identities") or {}})
    workspace = request.auth.workspace
    customers_services.update_customer(
        workspace=workspace, customer_id=customer_id, changes=changes
    )
    return customer_out(
        customers_selectors.get_customer_profile(workspace=workspace, customer_id=customer_id)
    )


@router.delete(
    "/customers/{customer_id}", response={204: None}, summary="Erase a customer (privacy request)"
)
def delete_customer(request: ApiRequest, customer_id: int) -> Status:
    customers_services.erase_customer(
        workspace=request.auth.workspace, customer_id=customer_id, actor=Actor(api_key=request.auth)
    )
    return Status(204, None)
