"""The one look of the app: domain icons and labels shared by the sidebar and page headers.

Colours and fonts live in ``.streamlit/config.toml`` next to ``ui/app.py`` and are also
passed as ``--theme.*`` flags by ``ui.launch`` so the theme holds whatever the working
directory is.
"""

from __future__ import annotations

DOMAIN_ICONS: dict[str, str] = {
    "finance": ":material/account_balance:",
    "medical": ":material/medical_services:",
    "industrial": ":material/precision_manufacturing:",
    "logistics": ":material/local_shipping:",
}

DOMAIN_LABELS: dict[str, str] = {
    "finance": "Finance",
    "medical": "Medical",
    "industrial": "Industrial",
    "logistics": "Logistics",
}

#: Theme options, passed to ``streamlit run`` as ``--theme.<key>=<value>``.
THEME: dict[str, str] = {
    "base": "light",
    "primaryColor": "#1f5f8b",
    "backgroundColor": "#ffffff",
    "secondaryBackgroundColor": "#f1f4f8",
    "textColor": "#1b2733",
}


def domain_label(domain: str) -> str:
    """Human label for a domain name (unknown third-party domains are capitalised)."""
    return DOMAIN_LABELS.get(domain, domain.replace("_", " ").capitalize())
