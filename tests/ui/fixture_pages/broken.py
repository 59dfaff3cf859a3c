"""Test page with a bug: the app must show a message, never a traceback."""

from ui import kit

kit.require_role()
kit.page_header("Broken", "finance")
raise RuntimeError("page bug for the test")
