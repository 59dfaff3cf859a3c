"""End to end in headless Chromium: `enclave up`, sign in, upload a contract, open every page.

Screenshots of every page land in tests/e2e/screenshots/ (git-ignored) so a person can look
at what the app really renders. Skips only when chromium or chromedriver is not installed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "screenshots"
ADMIN_PASSWORD = "e2e-admin-pass"
ANALYST_PASSWORD = "e2e-analyst-pass"
SUBMIT_VERBS = ("Analyse", "Analyze", "Run", "Submit", "Review", "Process", "Start")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason=f"headless browser test needs {CHROMIUM} and {CHROMEDRIVER} "
                              "(apt-get install chromium chromium-driver)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout_s: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`enclave up` exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {timeout_s:.0f} s")


def sample_contract(tmp_path: Path) -> Path:
    """The finance plugin's sample contract, or a real PDF contract made with reportlab."""
    shipped = sorted((REPO / "plugins/finance/contracts/samples").glob("*.pdf"))
    if shipped:
        return shipped[0]
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "services_agreement.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    lines = [
        "MASTER SERVICES AGREEMENT",
        "",
        "This Master Services Agreement is made on 1 March 2024 between",
        "Northwind Logistics GmbH (the \"Customer\") and Contoso Data Services Ltd",
        "(the \"Supplier\").",
        "",
        "1. Term. This Agreement starts on 1 April 2024 and continues for an initial",
        "term of 36 months. It renews automatically for successive 12-month periods.",
        "2. Termination. Either party may terminate this Agreement by giving 90 days'",
        "written notice before the end of the then-current term.",
        "3. Fees. The Customer shall pay EUR 18,500 per month. Invoices are payable",
        "within 30 days of receipt.",
        "4. Liability. The Supplier's total liability is limited to the fees paid in",
        "the 12 months preceding the claim.",
        "5. Governing law. This Agreement is governed by the laws of Germany.",
        "",
        "Signed for the Customer: A. Weber        Signed for the Supplier: J. Patel",
    ]
    y = 800
    for line in lines:
        c.drawString(60, y, line)
        y -= 18
    c.save()
    return path


@pytest.fixture
def enclave_server(enclave_home: Path):
    """`enclave up` on a free port with a fresh ENCLAVE_HOME and an admin account."""
    from core.auth import create_user
    create_user("admin", ADMIN_PASSWORD, ["admin"], actor="e2e")
    create_user("ana", ANALYST_PASSWORD, ["analyst"], actor="e2e")
    port = _free_port()
    env = dict(os.environ, ENCLAVE_HOME=str(enclave_home))
    log = (enclave_home / "up.log").open("wb")
    enclave = Path(sys.executable).with_name("enclave")
    argv = ([str(enclave)] if enclave.exists()
            else [sys.executable, "-c", "from core.cli import entry; entry()"])
    proc = subprocess.Popen([*argv, "up", "--port", str(port)],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 120, proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # serve() stops the UI and the worker
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1440,1000"):
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


class App:
    """Small page-object over the Streamlit DOM (data-testid attributes)."""

    def __init__(self, driver, base: str) -> None:
        self.d = driver
        self.base = base

    def css(self, selector: str):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, selector)

    def wait(self, predicate, timeout_s: float = 60, what: str = "condition"):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except Exception:  # noqa: BLE001 - elements come and go while Streamlit redraws
                value = None
            if value:
                return value
            time.sleep(0.25)
        raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")

    def idle(self, timeout_s: float = 60) -> None:
        """Wait until the script run finished (the running indicator is gone) and settled."""
        time.sleep(0.5)
        self.wait(lambda: not self.css('[data-testid="stStatusWidget"]'), timeout_s,
                  "the page to finish running")
        time.sleep(0.5)

    def heading(self) -> str:
        titles = self.css('[data-testid="stMain"] h1')
        return titles[0].text if titles else ""

    def sign_in(self, username: str, password: str) -> None:
        self.d.get(self.base)
        user = self.wait(lambda: self.css('input[aria-label="Username"]'), 60, "sign-in form")[0]
        user.send_keys(username)
        self.css('input[aria-label="Password"]')[0].send_keys(password)
        self.button("Sign in").click()
        self.wait(lambda: self.heading().endswith("Home"), 60, "the Home page")
        self.idle()

    def button(self, label: str):
        for b in self.css('[data-testid="stMain"] button, [data-testid="stForm"] button'):
            if b.text.strip() == label:
                return b
        raise LookupError(f"no button {label!r}")

    def nav_links(self) -> list[tuple[str, str]]:
        links = self.css('[data-testid="stSidebarNavLink"]')
        # The visible text starts with the icon ligature (e.g. "home\nHome"): keep the title.
        return [(a.get_attribute("href"), a.text.strip().splitlines()[-1]) for a in links]

    def open(self, href: str) -> None:
        for a in self.css('[data-testid="stSidebarNavLink"]'):
            if a.get_attribute("href") == href:
                a.click()
                break
        else:
            raise LookupError(f"no sidebar link {href}")
        self.wait(lambda: self.d.current_url.rstrip("/").split("?")[0] == href.rstrip("/"),
                  30, f"navigation to {href}")
        self.idle(120)

    def choose(self, label: str, option_text: str) -> None:
        """Pick the option containing ``option_text`` in the selectbox labelled ``label``."""
        for box in self.css('[data-testid="stSelectbox"]'):
            if box.text.strip().startswith(label):
                opener = (box.find_elements("css selector", 'button[aria-label="Open"]')
                          or box.find_elements("css selector", "input"))
                opener[0].click()
                break
        else:
            raise LookupError(f"no selectbox {label!r}")
        option = self.wait(lambda: [o for o in self.css('[role="option"]')
                                    if option_text in o.text], 30, f"option {option_text}")[0]
        option.click()
        self.idle(60)

    def exceptions(self) -> list[str]:
        return [e.text for e in self.css('[data-testid="stException"]')]

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        # Grow the window to the page so the screenshot holds the whole page.
        height = self.d.execute_script(
            "const m=document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
            "return Math.max(1000, m ? m.scrollHeight + 80 : 1000);")
        self.d.set_window_size(1440, min(int(height), 4000))
        time.sleep(0.3)
        path = SHOTS / f"{name}.png"
        self.d.save_screenshot(str(path))
        self.d.set_window_size(1440, 1000)
        return path


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def test_sign_in_upload_contract_and_open_every_page(enclave_server, browser, tmp_path,
                                                    downloads):
    from core.store import Store

    base, _proc = enclave_server
    app = App(browser, base)
    app.sign_in("admin", ADMIN_PASSWORD)
    app.shot("01-home")
    assert not app.exceptions()

    links = app.nav_links()
    titles = [t for _, t in links]
    assert {"Home", "Jobs", "Audit"} <= set(titles), titles

    # ---- every page in the menu --------------------------------------------------------
    for i, (href, title) in enumerate(links):
        app.open(href)
        assert not app.exceptions(), f"{title}: {app.exceptions()}"
        assert app.heading(), f"{title}: page rendered no title"
        app.shot(f"{20 + i:02d}-{_slug(title)}")

    # ---- finance: upload the sample contract and wait for the result --------------------
    from core.plugins import get_host
    finance_pages = [p for p in get_host().pages() if p.domain == "finance"]
    assert finance_pages, "the finance plugin registers no page"
    contract = sample_contract(tmp_path)
    uploaded_on = None
    for spec in finance_pages:
        href = next(h for h, t in links if t == spec.title)
        app.open(href)
        for summary in app.css('[data-testid="stExpander"] details:not([open]) > summary'):
            summary.click()  # open collapsed sections, as a person looking for the upload would
            app.idle(30)
        inputs = [i for i in app.css('[data-testid="stFileUploader"] input[type="file"]')
                  if "pdf" in (i.get_attribute("accept") or ".pdf")]
        if inputs:
            inputs[0].send_keys(str(contract))
            uploaded_on = spec
            break
        app.shot(f"11-finance-{_slug(spec.title)}-no-pdf-upload")
    assert uploaded_on is not None, "no finance page offers a file upload for contracts"
    app.wait(lambda: contract.name in browser.page_source, 60, "the upload to register")
    app.idle(120)
    store = Store()
    app.shot(f"12-finance-{_slug(uploaded_on.title)}-uploaded")
    if not store.list_jobs(tasks_prefix="finance.", limit=1):
        buttons = app.css('[data-testid="stMain"] button[data-testid="stBaseButton-primary"]')
        buttons += [b for b in app.css('[data-testid="stMain"] button')
                    if b.is_displayed() and b.text.strip().split(" ")[0] in SUBMIT_VERBS]
        assert buttons, f"{uploaded_on.title}: no button to submit the contract"
        buttons[0].click()
    job = app.wait(lambda: store.list_jobs(tasks_prefix="finance.", limit=1), 60,
                   "the contract job to be submitted")[0]
    assert job.actor == "admin" and job.priority == "interactive"
    final = app.wait(lambda: (j := store.get_job(job.id)) and j.status in
                     ("succeeded", "failed", "cancelled") and j, 600,
                     f"job {job.id} ({job.task}) to finish")
    app.idle(120)
    app.shot(f"10-finance-{_slug(uploaded_on.title)}-result")
    assert final.status == "succeeded", f"{final.task} {final.status}: {final.error}"
    assert store.get_result(job.id)
    assert not app.exceptions()
    assert final.worker, "the job must run in the worker, not in the page process"

    # the job is in the jobs browser; its detail opens and its result downloads (audited)
    app.open(next(h for h, t in links if t == "Jobs"))
    app.choose("Open a job", job.id)
    app.wait(lambda: app.button("Download result (JSON)"), 60, "the job detail")
    app.shot("30-jobs-contract-detail")
    app.button("Download result (JSON)").click()
    saved = app.wait(lambda: [p for p in downloads.glob("*.json")], 60, "the JSON download")[0]
    assert json.loads(saved.read_text(encoding="utf-8")) == store.get_result(job.id)
    exports = app.wait(lambda: store.audit_events(action="result.export", object_id=job.id),
                       30, "the export to be audited")
    assert exports[0].actor == "admin" and exports[0].detail.get("format") == "json"

    views = [e.action for e in store.audit_events(actor="admin")]
    assert "user.sign_in" in views and "file.upload" in views

    # ---- an analyst: finance pages only, no audit, no other domains --------------------
    sign_out = [b for b in app.css('[data-testid="stSidebar"] button') if "Sign out" in b.text]
    sign_out[0].click()
    app.wait(lambda: app.css('input[aria-label="Username"]'), 30, "the sign-in form again")
    app.sign_in("ana", ANALYST_PASSWORD)
    analyst_titles = {t for _, t in app.nav_links()}
    finance_titles = {p.title for p in get_host().pages() if p.domain == "finance"}
    assert analyst_titles == {"Home", "Jobs"} | finance_titles, analyst_titles
    app.shot("40-analyst-home")
    app.d.get(base + "/audit")  # a typed URL opens a new session: the gate, not the page
    app.wait(lambda: app.css('input[aria-label="Username"]'), 30, "the sign-in gate")
    assert "Audit trail" not in browser.page_source
