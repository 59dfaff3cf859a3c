"""Enclave's Streamlit app: sign-in gate, then Home, Jobs, Audit and the plugins' pages.

Run with ``enclave ui`` / ``enclave up`` (see ui/launch.py). Navigation is rebuilt on every
run from the signed-in user's roles, so a page the user may not open is not registered at
all (its URL does not resolve), and each page checks the role again itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # `streamlit run ui/app.py` puts only ui/ on sys.path
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from ui import kit  # noqa: E402
from ui.navigation import build_pages, sign_in_form  # noqa: E402

st.set_page_config(page_title="Enclave", page_icon=":material/shield_lock:", layout="wide")

def _signed_in_app() -> None:
    sections = build_pages(kit.current_roles())
    with st.sidebar:
        st.caption(f"Signed in as **{kit.current_user()}** "
                   f"({', '.join(sorted(kit.current_roles()))})")
        st.button("Sign out", icon=":material/logout:", key="enclave_sign_out",
                  on_click=kit.sign_out)
    st.navigation(sections, expanded=True).run()


try:
    if kit.current_user() and kit.current_roles():
        _signed_in_app()
    else:
        # Unknown or deactivated accounts, and every URL of a signed-out visitor, get the form.
        st.session_state.pop(kit.USER_KEY, None)
        st.navigation([st.Page(sign_in_form, title="Sign in", icon=":material/login:",
                               url_path="signin", default=True)], position="hidden")
        sign_in_form()
except Exception as exc:  # a page bug is shown as a message, never a traceback
    kit.show_error(exc)
