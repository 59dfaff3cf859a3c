"""Test page in the finance domain (open to analysts)."""

import streamlit as st

from ui import kit

kit.require_role("analyst")
kit.page_header("Count words", "finance")
st.write(f"{len(kit.recent_results('finance.uitest_count', 5))} recent results")
