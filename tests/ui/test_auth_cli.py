"""core.auth (bcrypt users, roles) and the `enclave users` commands."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from core import auth
from core.errors import UserError


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Cost-4 bcrypt in tests (the production cost is exercised by the e2e sign-in)."""
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    auth._dummy_hash.cache_clear()
    yield
    auth._dummy_hash.cache_clear()


def test_create_and_verify(enclave_home, store):
    user = auth.create_user("ana", "s3cret-pass", "analyst", actor="root")
    assert user.password_hash.startswith("$2b$04$") and "s3cret" not in user.password_hash
    assert auth.verify_password("ana", "s3cret-pass")
    assert not auth.verify_password("ana", "s3cret-pasS")
    assert not auth.verify_password("nobody", "s3cret-pass")
    assert auth.user_roles("ana") == {"analyst"}
    assert store.audit_events(action="user.create")[0].actor == "root"


def test_roles_and_deactivation(enclave_home, store):
    auth.create_user("cleo", "longenough", ["clinician"])
    auth.set_roles("cleo", "clinician, operator", actor="root")
    assert auth.user_roles("cleo") == {"clinician", "operator"}
    auth.set_active("cleo", False)
    assert not auth.verify_password("cleo", "longenough")
    assert auth.user_roles("cleo") == set()
    auth.set_active("cleo", True)
    auth.set_password("cleo", "another-one")
    assert auth.verify_password("cleo", "another-one")
    assert [u.username for u in auth.list_users()] == ["cleo"]


@pytest.mark.parametrize("name,password,roles,message", [
    ("bob", "short", "analyst", "too short"),
    ("bob", "x" * 80, "analyst", "too long"),
    ("bob", "longenough", "nurse", "unknown role 'nurse'"),
    ("bad name!", "longenough", "analyst", "invalid username"),
])
def test_bad_requests_are_user_errors(enclave_home, name, password, roles, message):
    with pytest.raises(UserError, match=message):
        auth.create_user(name, password, roles)


def test_domain_roles():
    assert auth.roles_for_domain("medical") == ("clinician",)
    assert auth.roles_for_domain("finance") == ("analyst",)
    assert auth.roles_for_domain("unknown") == ("admin",)


def test_users_commands(enclave_home, store):
    from core.cli import cli

    runner = CliRunner()
    ok = runner.invoke(cli(), ["users", "add", "root", "--role", "admin", "-p", "rootpass1"])
    assert ok.exit_code == 0, ok.output
    prompted = runner.invoke(cli(), ["users", "add", "cleo", "-r", "clinician,operator"],
                             input="cleopass1\ncleopass1\n")
    assert prompted.exit_code == 0, prompted.output
    assert auth.verify_password("cleo", "cleopass1")
    dup = runner.invoke(cli(), ["users", "add", "root", "--role", "admin", "-p", "rootpass1"])
    assert dup.exit_code == 2 and "already exists" in dup.output
    bad = runner.invoke(cli(), ["users", "add", "eve", "--role", "nurse", "-p", "evepass12"])
    assert bad.exit_code == 2 and "unknown role" in bad.output
    roles = runner.invoke(cli(), ["users", "set-roles", "cleo", "-r", "clinician"])
    assert roles.exit_code == 0 and auth.user_roles("cleo") == {"clinician"}
    listing = runner.invoke(cli(), ["users", "list"])
    assert listing.exit_code == 0
    assert "root" in listing.output and "cleo" in listing.output and "clinician" in listing.output
    assert "rootpass1" not in listing.output
    disable = runner.invoke(cli(), ["users", "disable", "cleo"])
    assert disable.exit_code == 0 and not auth.verify_password("cleo", "cleopass1")


def test_launch_command_line_is_headless_and_private():
    from ui.launch import streamlit_argv

    argv = streamlit_argv(8599, "127.0.0.1")
    assert argv[1:4] == ["-m", "streamlit", "run"] and argv[4].endswith("ui/app.py")
    for flag in ("--server.headless=true", "--browser.gatherUsageStats=false",
                 "--server.port=8599", "--server.address=127.0.0.1",
                 "--client.showErrorDetails=none", "--theme.primaryColor=#1f5f8b"):
        assert flag in argv
