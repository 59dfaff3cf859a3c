"""Every page the installed plugins contribute, run through the app with AppTest.

Parametrized over ``get_host().pages()`` so pages the domain teams add are picked up
without touching this file. Seeded jobs have no made-up results for real tasks (their
payloads would not match the tasks' result models): real results are covered by the
end-to-end browser test.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.auth import ROLES
from tests.ui.conftest import app_as, page_path, texts
from tests.ui.seeding import add_user, seed_jobs

NO_RESULTS_MIX = (("failed", 0.5), ("queued", 0.3), ("running", 0.1), ("cancelled", 0.1))


def _installed_pages():
    from core.plugins import Host, build_plugin_manager
    try:
        return Host(build_plugin_manager()).pages()
    except Exception:  # noqa: BLE001 - test_plugins_load reports the reason
        return []


PAGES = _installed_pages()
IDS = [f"{p.domain}:{p.title}" for p in PAGES]


@pytest.fixture
def real_host(store, password_hash):
    from core.plugins import get_host
    host = get_host()
    seed_jobs(store, host.tasks.names(), 120, status_mix=NO_RESULTS_MIX)
    add_user(store, "root", "admin", password_hash)
    return host


def test_plugins_load(enclave_home):
    from core.plugins import get_host
    assert get_host().plugin_names()


@pytest.mark.parametrize("spec", PAGES, ids=IDS)
def test_plugin_page_renders_for_admin(real_host, spec):
    assert spec.script.is_file(), f"{spec.domain} page {spec.title!r}: {spec.script} missing"
    at = app_as("root", timeout_s=120).switch_page(page_path(spec.script)).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in texts(at, "error") if e.startswith("Something went wrong")]
    assert len(at.main.children) > 0


@pytest.mark.parametrize("spec", PAGES, ids=IDS)
def test_plugin_page_refuses_users_without_its_role(real_host, store, password_hash, spec):
    from ui.navigation import page_roles

    allowed = set(page_roles(spec))
    outsiders = [r for r in ROLES if r != "admin" and r not in allowed]
    if not allowed or not outsiders:
        pytest.skip(f"{spec.title!r} is open to every signed-in user")
    add_user(store, "outsider", outsiders[0], password_hash)
    at = app_as("outsider")
    with pytest.raises(ValueError):
        at.switch_page(page_path(spec.script))  # not in the outsider's navigation
    direct = AppTest.from_file(str(spec.script), default_timeout=120)
    direct.session_state["enclave_user"] = "outsider"
    direct.run()
    assert not direct.exception
    assert any("Access denied" in e for e in texts(direct, "error")), (
        f"{spec.script} must call kit.require_role(...) before rendering")
