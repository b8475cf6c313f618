"""Every console page is fully translated: in English, no Chinese is left but the user's data."""

import re

import pytest
from django.test import Client

from xiaonuo.accounts.permissions import Role
from xiaonuo.testing import make_customer, make_staff, make_workspace, signed_in

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
# The language switch names each language in itself; the logo is the brand mark 诺.
ALLOWED = {"简体中文", ">诺<"}


def chinese_left(html: str) -> list[str]:
    text = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    for name in ALLOWED:
        text = text.replace(name, "")
    return sorted({line.strip() for line in text.splitlines() if CJK.search(line)})


def test_every_console_page_is_english_when_english_is_chosen():
    shop = make_workspace(slug="teahouse", name="Teahouse")
    owner = make_staff(workspace=shop, role=Role.OWNER, username="alice", display_name="Alice")
    customer = make_customer(workspace=shop, name="Chen Jing", phone="13812341234", tags=["vip"])
    client = signed_in(owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    pages = [
        "/",
        "/area/monitoring/",
        "/customers/",
        "/customers/?q=nobody",
        f"/customers/{customer.pk}/",
        f"/timeline/customers/{customer.pk}/",
        f"/customers/{customer.pk}/merge/?q=Chen",
        f"/customers/{customer.pk}/erase/",
        "/accounts/settings/",
        "/accounts/settings/members/",
        "/accounts/settings/api-keys/",
        "/accounts/settings/audit/",
        "/accounts/password/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert chinese_left(response.content.decode()) == [], path


def test_the_sign_in_page_is_english_when_english_is_chosen():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert chinese_left(client.get("/accounts/login/").content.decode()) == []
