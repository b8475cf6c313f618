"""Settings pages: members and roles, invite links, API keys, the audit log, sign-in/out."""

import re

import pytest
from django.test import Client

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import ApiKey, AuditAction, AuditEntry, Membership
from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.testing import PASSWORD, make_api_key, signed_in

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_sign_in_page():
    client = Client()
    assert client.get("/").status_code == 302
    assert client.get("/accounts/login/").status_code == 200


def test_signing_in_and_out(cast):
    client = Client()
    response = client.post("/accounts/login/", {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # sign-out is a POST
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_shows_an_error(cast):
    response = Client().post("/accounts/login/", {"username": "wang", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_every_member_sees_the_settings_home_with_only_their_sections(cast):
    assert "管理成员" in signed_in(cast.owner).get("/accounts/settings/").content.decode()
    body = signed_in(cast.viewer).get("/accounts/settings/").content.decode()
    assert "修改密码" in body and "管理成员" not in body and "管理 API 密钥" not in body


def test_password_change_works_for_any_member(cast):
    client = signed_in(cast.viewer)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-7",
            "new_password2": "a-new-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    cast.viewer.refresh_from_db()
    assert cast.viewer.check_password("a-new-long-passphrase-7")


@pytest.mark.parametrize(
    "path",
    ["/accounts/settings/members/", "/accounts/settings/api-keys/", "/accounts/settings/audit/"],
)
@pytest.mark.parametrize("role", ["agent", "operator", "viewer"])
def test_staff_without_the_permission_get_403(cast, path, role):
    assert signed_in(getattr(cast, role)).get(path).status_code == 403


def test_the_owner_changes_a_members_role_and_it_is_audited(cast):
    membership = Membership.objects.get(workspace=cast.shop, user=cast.viewer)
    response = signed_in(cast.owner).post(
        f"/accounts/settings/members/{membership.pk}/role/", {"role": "operator"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.OPERATOR
    assert AuditEntry.objects.filter(
        action=AuditAction.STAFF_ROLE, target_id=str(membership.pk)
    ).exists()


def test_the_last_owner_cannot_be_demoted(cast):
    membership = Membership.objects.get(workspace=cast.shop, user=cast.owner)
    client = signed_in(cast.owner)
    client.post(f"/accounts/settings/members/{membership.pk}/role/", {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert "至少需要一位所有者" in client.get("/accounts/settings/members/").content.decode()


def test_an_invite_link_lets_a_new_person_sign_up_and_join(cast):
    response = signed_in(cast.owner).post(
        "/accounts/settings/invites/", {"role": "agent", "email": ""}
    )
    link = re.search(
        r"http://testserver(/accounts/invite/[^/<]+/)", response.content.decode()
    ).group(1)
    newcomer = Client()
    assert "加入 茶语" in newcomer.get(link).content.decode()
    joined = newcomer.post(
        link,
        {
            "username": "zhou",
            "display_name": "周客服",
            "password1": "tea-and-biscuits-99",
            "password2": "tea-and-biscuits-99",
        },
    )
    assert joined.status_code == 302
    assert Membership.objects.get(workspace=cast.shop, user__username="zhou").role == Role.AGENT
    assert newcomer.get("/").status_code == 200
    # The link works once.
    assert Client().get(link).status_code == 404


def test_a_signed_in_member_of_another_workspace_accepts_an_invite(cast):
    _invite, token = accounts_services.create_invite(
        workspace=cast.shop, role=Role.VIEWER, email="", actor=Actor(user=cast.owner)
    )
    response = signed_in(cast.other_owner).post(f"/accounts/invite/{token}/")
    assert response.status_code == 302
    assert Membership.objects.get(workspace=cast.shop, user=cast.other_owner).role == Role.VIEWER


def test_an_api_key_secret_is_shown_once_and_can_be_revoked(cast):
    client = signed_in(cast.owner)
    response = client.post("/accounts/settings/api-keys/", {"name": "官网"})
    secret = response.context["secret"]
    assert secret.startswith("xn") and secret in response.content.decode()
    assert secret not in client.get("/accounts/settings/api-keys/").content.decode()
    key = ApiKey.objects.get(workspace=cast.shop, name="官网")
    assert client.post(f"/accounts/settings/api-keys/{key.pk}/revoke/").status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_the_audit_log_lists_the_workspaces_entries(cast):
    make_api_key(workspace=cast.shop, name="小程序")
    make_api_key(workspace=cast.other_shop, name="别家的密钥")
    body = signed_in(cast.owner).get("/accounts/settings/audit/").content.decode()
    assert "小程序" in body and "创建 API 密钥" in body
    assert "别家的密钥" not in body


def test_the_workspace_switcher_only_switches_to_a_workspace_the_user_belongs_to(cast):
    accounts_services.add_member(workspace=cast.other_shop, user=cast.agent, role=Role.AGENT)
    client = signed_in(cast.agent)
    assert (
        client.post("/workspace/switch/", {"workspace_id": cast.other_shop.pk}).status_code == 302
    )
    assert client.get("/").context["current_workspace"] == cast.other_shop
    stranger = signed_in(cast.viewer)
    assert (
        stranger.post("/workspace/switch/", {"workspace_id": cast.other_shop.pk}).status_code == 404
    )
    assert stranger.get("/").context["current_workspace"] == cast.shop


def test_someone_without_a_workspace_is_told_to_ask_for_an_invite():
    from xiaonuo.testing import make_staff, make_workspace

    user = make_staff(workspace=make_workspace())
    Membership.objects.filter(user=user).delete()
    client = signed_in(user)
    response = client.get("/")
    assert response.status_code == 302
    assert "邀请链接" in client.get(response.url).content.decode()
