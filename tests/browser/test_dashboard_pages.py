"""Every page of the default fixture: labelled controls, headed tables, no sideways scrolling
at 1280 and 390 pixels; and the README's screenshots of the invoices and journal pages."""

from __future__ import annotations

import pytest
import requests

from tests.browser.conftest import OUTPUT, screenshot_folder
from tests.conftest import DEFAULT_ADMIN_KEY, DEFAULT_FIXTURE

pytestmark = pytest.mark.browser
FIXTURE = DEFAULT_FIXTURE
PAGES = ("/", "/tenants/1/network", "/tenants/1/invoices", "/tenants/1/invoices/2921",
         "/tenants/1/journal", "/tenants/1/journal/1", "/tenants/1/generations",
         "/tenants/1/generations/1", "/tenants/1/controls",
         "/tenants/1/conversions/660000000000000000000001")

# Each returns the problems it finds on the open page, as text.
UNLABELLED = """
return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.id && document.querySelector(`label[for="${e.id}"]`))
               && !e.closest('label') && !e.getAttribute('aria-label'))
  .map(e => e.outerHTML);
"""
HEADLESS_TABLES = """
return [...document.querySelectorAll('table')]
  .filter(t => !t.querySelector('thead th[scope=col]'))
  .map(t => t.outerHTML.slice(0, 80));
"""
OVERFLOW = """
const width = document.documentElement.clientWidth;
return [document.documentElement, document.body]
  .filter(e => e.scrollWidth > width)
  .map(e => `${e.tagName} is ${e.scrollWidth} px wide in ${width}`);
"""


@pytest.fixture(scope="module", autouse=True)
def calls(browser, served):
    """A few calls through the Affise API, so the journal and generations have something.

    (It asks for the browser first only so that a machine without one skips before serving.)
    """
    url, _ = served
    key = {"API-Key": DEFAULT_ADMIN_KEY}
    requests.get(f"{url}/3.0/admin/partners", headers=key, timeout=300)
    requests.post(f"{url}/3.1/payments/generate", headers=key, timeout=300)
    requests.get(f"{url}/3.1/payments", params={"date_from": "2022-01-01",
                                                "date_to": "2022-12-31"}, headers=key,
                 timeout=300)
    requests.get(f"{url}/3.1/payments/1", headers=key, timeout=300)


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_labels_its_controls_heads_its_tables_and_fits_the_screen(dashboard, width):
    dashboard.width(width)
    problems = {}
    for path in PAGES:
        dashboard.open(path)
        title = dashboard.browser.title
        assert "Refused" not in title, path
        found = [*dashboard.browser.execute_script(UNLABELLED),
                 *dashboard.browser.execute_script(HEADLESS_TABLES),
                 *dashboard.browser.execute_script(OVERFLOW)]
        if found:
            problems[path] = found
    assert problems == {}


def test_the_readme_screenshots_of_the_invoices_and_journal_pages(dashboard):
    folder = screenshot_folder() or OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in (("invoices", "/tenants/1/invoices"), ("journal", "/tenants/1/journal")):
        dashboard.open(path)
        # As tall as the page (measured in a short window), at most 1600 px.
        metrics = {"width": 1280, "height": 300, "deviceScaleFactor": 1, "mobile": False}
        dashboard.browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        height = dashboard.browser.execute_script(
            "return document.documentElement.scrollHeight")
        dashboard.browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            **metrics, "height": min(height + 16, 1600)})
        target = folder / f"dashboard-{name}.png"
        dashboard.browser.save_screenshot(str(target))
        assert target.stat().st_size > 10_000
