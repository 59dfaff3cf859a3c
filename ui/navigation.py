"""Which pages a user sees: the built-in pages plus the plugins' pages, grouped by domain.

A plugin page without explicit roles is open to its domain's role (``core.auth.DOMAIN_ROLES``)
so that, say, a medical page cannot become visible to analysts by omission.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from core.auth import DOMAIN_ROLES
from core.hookspecs import PageSpec
from ui import kit
from ui.theme import DOMAIN_ICONS, domain_label

# Not "pages/": Streamlit would also discover that folder as legacy multipage scripts
# and run them directly, bypassing the sign-in gate.
PAGES_DIR = Path(__file__).resolve().parent / "screens"
_SLUG = re.compile(r"[^a-z0-9]+")


def page_roles(spec: PageSpec) -> tuple[str, ...]:
    """Roles (besides admin) that may open a plugin page; empty means any signed-in user."""
    return tuple(spec.roles) or DOMAIN_ROLES.get(spec.domain, ())


def page_allowed(spec: PageSpec, roles: set[str]) -> bool:
    """True when a user holding ``roles`` may open the plugin page ``spec``."""
    allowed = page_roles(spec)
    return "admin" in roles or not allowed or bool(roles & set(allowed))


def url_path(spec: PageSpec) -> str:
    """A stable, unique URL for a plugin page (scripts are often all called ui.py)."""
    return _SLUG.sub("-", f"{spec.domain} {spec.title}".lower()).strip("-")


def plugin_pages() -> list[PageSpec]:
    """Pages the loaded plugins contribute; a broken plugin shows a message, not a crash."""
    from core.plugins import get_host
    try:
        return get_host().pages()
    except Exception as exc:  # noqa: BLE001 - the app must still open for the other domains
        kit.show_error(exc)
        return []


def build_pages(roles: set[str]) -> dict[str, list[st.Page]]:
    """Navigation sections for a user: Enclave first, then one section per domain."""
    core_pages = [
        st.Page(PAGES_DIR / "home.py", title="Home", icon=":material/home:",
                url_path="home", default=True),
        st.Page(PAGES_DIR / "jobs.py", title="Jobs", icon=":material/list_alt:",
                url_path="jobs"),
    ]
    if "admin" in roles:
        core_pages.append(st.Page(PAGES_DIR / "audit.py", title="Audit",
                                  icon=":material/policy:", url_path="audit"))
    sections: dict[str, list[st.Page]] = {"Enclave": core_pages}
    for spec in plugin_pages():
        if not page_allowed(spec, roles):
            continue
        if not Path(spec.script).is_file():  # one missing script must not break the app
            st.sidebar.warning(f"{domain_label(spec.domain)} page {spec.title!r} is missing "
                               f"its script {spec.script}.")
            continue
        # Material icons render on every client; emoji need a colour-emoji font that
        # on-prem Linux workstations (and headless Chromium) often lack, so the sidebar
        # keeps one look with the domain's icon unless the page names a material icon.
        icon = (spec.icon if spec.icon.startswith(":material/")
                else DOMAIN_ICONS.get(spec.domain) or None)
        sections.setdefault(domain_label(spec.domain), []).append(
            st.Page(Path(spec.script), title=spec.title, icon=icon, url_path=url_path(spec)))
    return sections


def sign_in_form() -> None:
    """The sign-in page: username and password checked against the users table."""
    from core.auth import verify_password

    st.title(":material/shield_lock: Enclave")
    st.caption("On-prem AI suite · nothing you process leaves this site")
    with st.form("sign_in"):
        username = st.text_input("Username", key="signin_username")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        store = kit.store()
        if username and verify_password(username, password):
            st.session_state[kit.USER_KEY] = username
            store.audit(username, "user.sign_in", "user", username)
            st.rerun()
        else:
            store.audit(username or "anonymous", "user.sign_in_failed", "user", username or "")
            st.error("Unknown user or wrong password.")
    from core.auth import list_users
    if not list_users():
        st.warning("No accounts exist yet. Create the first administrator on this machine "
                   "with `enclave users add admin --role admin`.")
    else:
        st.info("No account yet? An administrator creates one with "
                "`enclave users add NAME --role analyst`.")
