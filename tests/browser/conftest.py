"""The dashboard in a real browser: headless Chromium driven by Selenium, one per module.

Needs Debian's chromium and chromium-driver (.ci/run installs them); without them every test
here skips and says so. A failing test leaves a screenshot in test-output/browser/.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from mock_affise.testing_server import serve_in_thread
from tests.conftest import ROOT, SUITE_FIXTURE, fresh_database_url

OUTPUT = ROOT / "test-output" / "browser"
UI = "/_mock/ui"


def _browser_tools() -> tuple[str, str] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def start_browser():
    """Start headless Chromium under chromedriver, or skip saying what is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    tools = _browser_tools()
    if tools is None:
        pytest.skip("no chromium and chromedriver on PATH "
                    "(Debian: apt-get install chromium chromium-driver)")
    chromium, driver = tools
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,900", "--hide-scrollbars", "--lang=en-US"):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(driver))
    browser.implicitly_wait(0)
    return browser


@dataclass
class Dashboard:
    """A served mock and the browser looking at it."""

    url: str
    browser: object
    token: str | None = None

    def open(self, path: str) -> None:
        """Open a dashboard page (path below /_mock/ui)."""
        self.browser.get(f"{self.url}{UI}{path}")

    def new_tenant(self, document: dict | None = None) -> tuple[int, str]:
        """Make a tenant from document (the suite's); return its id and admin key."""
        body = json.dumps(document) if document is not None else SUITE_FIXTURE.read_text()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["X-Mock-Control-Token"] = self.token
        made = requests.post(f"{self.url}/_mock/tenants", data=body, headers=headers,
                             timeout=300).json()
        return made["tenant"], made["api_keys"]["admin"]

    def width(self, pixels: int) -> None:
        """Show pages as a screen pixels wide does."""
        self.browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": pixels, "height": 900, "deviceScaleFactor": 1, "mobile": pixels < 600})


@pytest.fixture(scope="module")
def served(tmp_path_factory, request) -> Iterator[tuple[str, str | None]]:
    """Serve the suite's document in a thread for the module (CONTROL_TOKEN from the module)."""
    token = getattr(request.module, "CONTROL_TOKEN", None)
    folder = tmp_path_factory.mktemp("browser")
    settings = {"DATABASE_URL": fresh_database_url(folder / "mock.db"),
                "FIXTURES": str(getattr(request.module, "FIXTURE", SUITE_FIXTURE))}
    if token:
        settings["CONTROL_TOKEN"] = token
    with serve_in_thread(settings) as (url, _):
        yield url, token


@pytest.fixture(scope="module")
def browser():
    started = start_browser()
    try:
        yield started
    finally:
        started.quit()


@pytest.fixture
def dashboard(browser, served, request) -> Iterator[Dashboard]:
    """The module's mock and browser, at 1280 px; a screenshot is saved when the test fails."""
    url, token = served
    board = Dashboard(url, browser, token)
    board.width(1280)
    yield board
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(OUTPUT / f"{request.node.name}.png"))


def screenshot_folder() -> Path | None:
    """Where README screenshots go when asked for (make screenshots), else None."""
    folder = os.environ.get("MOCK_AFFISE_SCREENSHOTS")
    return Path(folder) if folder else None
