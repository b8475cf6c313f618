import pytest

from xiaonuo.customers.selectors import CustomerFilters, list_customers
from xiaonuo.testing import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(cast):
    return {
        "wang_xiao": make_customer(workspace=cast.shop, name="王小明", phone="13800138000"),
        "wang_fang": make_customer(
            workspace=cast.shop,
            name="王芳",
            phone="13912345678",
            identities={"openid": "oAbC123", "email": "fang@example.com"},
        ),
        "ouyang": make_customer(workspace=cast.shop, name="欧阳王", phone="18600001111"),
        "elsewhere": make_customer(workspace=cast.other_shop, name="王小二", phone="13800138001"),
    }


def found(cast, q):
    return {c.name for c in list_customers(workspace=cast.shop, filters=CustomerFilters(q=q))}


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("王", {"王小明", "王芳"}),  # a name prefix, not a substring: 欧阳王 is not found
        ("王小", {"王小明"}),
        ("1380013", {"王小明"}),  # the start of a phone number
        ("+86 139-1234-5678", {"王芳"}),
        ("oAbC123", {"王芳"}),  # a pasted openid
        ("FANG@example.com", {"王芳"}),  # e-mail addresses are stored lower-case
        ("李", set()),
    ],
)
def test_search_finds_by_name_prefix_phone_or_any_identity_within_the_workspace(
    cast, people, q, names
):
    assert found(cast, q) == names
