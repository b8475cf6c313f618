import pytest

from xiaonuo.customers import services as customers_services
from xiaonuo.customers.identities import normalise
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.lib.errors import ServiceError
from xiaonuo.lib.masking import mask_email, mask_generic, mask_phone
from xiaonuo.testing import make_customer


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812341234", "13812341234"),
        ("+86 138-1234-1234", "13812341234"),
        ("0086 13812341234", "13812341234"),
        ("(010) 6552 9988", "01065529988"),
        ("+1 415 555 0100", "+14155550100"),
    ],
)
def test_phone_numbers_are_recognised_however_they_were_typed(raw, expected):
    assert normalise("phone", raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("phone", "call me"), ("email", "chen at example"), ("qq", "abc"), ("phone", "")],
)
def test_invalid_identities_are_refused(kind, raw):
    with pytest.raises(ServiceError) as error:
        normalise(kind, raw)
    assert error.value.code == "identity_invalid"


def test_masks_hide_the_middle_of_identifiers():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+8613812341234") == "+86138****1234"
    assert mask_email("chen.jing@example.com") == "c***@example.com"
    assert mask_generic("oX7a9bcdeF") == "oX****eF"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("type_", "raw", "stored"),
    [
        ("number", "1,280.5", 1280.5),
        ("number", "12", 12),
        ("boolean", "是", True),
        ("boolean", "false", False),
        ("date", "1995/03/08", "1995-03-08"),
        ("text", 42, "42"),
    ],
)
def test_attribute_values_are_coerced_to_their_declared_type(cast, type_, raw, stored):
    customers_services.declare_attribute(workspace=cast.shop, key="x", label="X", type=type_)
    customer = make_customer(workspace=cast.shop, attributes={"x": raw})
    assert customer.attributes == {"x": stored}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("type_", "raw"), [("number", "很多"), ("boolean", "也许"), ("date", "明天")]
)
def test_attribute_values_that_do_not_fit_are_refused(cast, type_, raw):
    customers_services.declare_attribute(workspace=cast.shop, key="x", label="X", type=type_)
    with pytest.raises(ServiceError) as error:
        make_customer(workspace=cast.shop, attributes={"x": raw})
    assert error.value.code == "attribute_invalid"
    assert error.value.details == {"field": "attributes.x"}


@pytest.mark.django_db
def test_identities_are_unique_per_workspace_not_globally(cast):
    make_customer(workspace=cast.shop, phone="13800138000")
    make_customer(
        workspace=cast.other_shop, phone="13800138000"
    )  # another company may know the same person
    with pytest.raises(ServiceError) as error:
        make_customer(workspace=cast.shop, phone="+86 13800138000")
    assert error.value.code == "identity_taken"


@pytest.mark.django_db
def test_consent_accepts_known_purposes_only(cast):
    customer = make_customer(workspace=cast.shop, consent={"marketing": True})
    assert customer.consent == {"marketing": True}
    with pytest.raises(ServiceError) as error:
        customers_services.update_customer(
            workspace=cast.shop,
            customer_id=customer.pk,
            changes=CustomerChanges(consent={"telepathy": True}),
        )
    assert error.value.code == "consent_unknown"
