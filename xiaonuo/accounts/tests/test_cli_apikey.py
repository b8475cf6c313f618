import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts.models import ApiKey, AuditAction, AuditEntry
from xiaonuo.accounts.tests.processes import REPO, child_env
from xiaonuo.testing import api_client, make_api_key


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_creating_a_key_prints_it_once_and_stores_only_its_hash(cast) -> None:
    # Given 王店长's workspace 茶语
    # When an admin creates a key from the command line
    out, err = _run("create", "--workspace", "chayu", "--name", "商城后台")

    # Then the secret is printed alone on stdout, works for the API, and is not stored
    secret = out.strip()
    key = ApiKey.objects.get(workspace=cast.shop, name="商城后台")
    assert accounts_selectors.get_active_api_key(secret=secret) == key
    assert secret not in (key.key_hash, key.prefix)
    assert "shown only once" in err
    assert (
        AuditEntry.objects.filter(workspace=cast.shop, action=AuditAction.API_KEY_CREATE).count()
        == 1
    )


def test_listing_shows_the_workspaces_keys_and_never_their_secrets(cast) -> None:
    # Given a key in 茶语 and one in 别家
    key, secret = make_api_key(workspace=cast.shop, name="小程序")
    make_api_key(workspace=cast.other_shop, name="别家的密钥")

    # When 茶语's keys are listed
    out, _ = _run("list", "--workspace", "chayu")

    # Then only 茶语's key is shown, by id and prefix
    assert "小程序" in out and key.prefix in out and str(key.pk) in out
    assert "别家的密钥" not in out
    assert secret not in out


def test_revoking_a_key_stops_it_working(cast) -> None:
    # Given a key that works
    key, secret = make_api_key(workspace=cast.shop)

    # When it is revoked from the command line
    out, _ = _run("revoke", "--workspace", "chayu", str(key.pk))

    # Then the API refuses it and the list says so
    assert f"Revoked API key {key.pk}" in out
    assert api_client(secret).get("/api/v1/customers").status_code == 401
    assert "revoked" in _run("list", "--workspace", "chayu")[0]


def test_a_key_of_another_workspace_cannot_be_revoked_through_this_one(cast) -> None:
    # Given a key of 别家
    key, secret = make_api_key(workspace=cast.other_shop)

    # When someone tries to revoke it as 茶语's
    with pytest.raises(CommandError, match="not found"):
        _run("revoke", "--workspace", "chayu", str(key.pk))

    # Then it still works
    assert accounts_selectors.get_active_api_key(secret=secret) == key


def test_an_unknown_workspace_is_a_clear_error(db) -> None:
    # Given no workspace called nosuch
    # When a key is asked for it
    with pytest.raises(CommandError, match="Unknown workspace 'nosuch'"):
        _run("create", "--workspace", "nosuch", "--name", "x")

    # Then no key was made
    assert not ApiKey.objects.exists()


def test_the_installed_console_script_creates_and_lists_keys(tmp_path: Path) -> None:
    # Given a fresh install (own data directory and SQLite database) with one workspace
    xiaonuo = Path(sys.executable).with_name("xiaonuo")
    env = child_env(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(xiaonuo), *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    assert run("migrate", "--verbosity", "0").returncode == 0
    assert run("workspace", "create", "--slug", "chayu", "--name", "茶语").returncode == 0

    # When a key is created and the keys listed through the console script
    created = run("apikey", "create", "--workspace", "chayu", "--name", "商城后台")
    listed = run("apikey", "list", "--workspace", "chayu")
    unknown = run("apikey", "list", "--workspace", "nosuch")

    # Then the key is printed once, listed by prefix, and a wrong slug fails with a message
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("xn") and secret[:10] in listed.stdout
    assert "商城后台" in listed.stdout and secret not in listed.stdout
    assert unknown.returncode == 1
    assert "Unknown workspace 'nosuch'" in unknown.stderr
