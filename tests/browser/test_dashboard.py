"""A user clicks through the dashboard: tenants, invoices, clock, faults, snapshots, escaping."""

from __future__ import annotations

import json

import pytest
import requests

from tests.conftest import SUITE_FIXTURE

pytestmark = pytest.mark.browser


def by_css(dashboard, selector: str):
    from selenium.webdriver.common.by import By

    return dashboard.browser.find_elements(By.CSS_SELECTOR, selector)


def navigate(dashboard, element) -> None:
    """Click element and wait until the browser has left the page it was on."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = dashboard.browser.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_browser) -> bool:
        # Asked mid-navigation, chromedriver may answer "Node with given id does not belong to
        # the document" rather than a stale-element error: either way the old page is gone.
        try:
            page.is_enabled()
        except WebDriverException:
            return True
        return False

    wait = WebDriverWait(dashboard.browser, 300)  # a safety net: the wait ends on the event
    wait.until(left)
    wait.until(lambda b: b.execute_script("return document.readyState") == "complete")


def click_link(dashboard, text: str) -> None:
    from selenium.webdriver.common.by import By

    navigate(dashboard, dashboard.browser.find_element(By.LINK_TEXT, text))


def press(dashboard, text: str) -> None:
    """Press the button that says text."""
    from selenium.webdriver.common.by import By

    navigate(dashboard, dashboard.browser.find_element(
        By.XPATH, f'//button[normalize-space()="{text}"]'))


def fill(dashboard, label: str, value: str) -> None:
    """Type value into the field whose label says label."""
    from selenium.webdriver.common.by import By

    field_id = dashboard.browser.find_element(
        By.XPATH, f'//label[normalize-space()="{label}"]').get_attribute("for")
    field = dashboard.browser.find_element(By.ID, field_id)
    if field.tag_name == "select":
        from selenium.webdriver.support.ui import Select

        Select(field).select_by_visible_text(value)
    else:
        field.clear()
        field.send_keys(value)


def cells(dashboard, row_selector: str) -> list[str]:
    [row] = by_css(dashboard, row_selector)
    return [c.text for c in row.find_elements("css selector", "th, td")]


def note(dashboard) -> str:
    found = by_css(dashboard, "p.note")
    return found[0].text if found else ""


def generate(dashboard, key: str) -> None:
    answer = requests.post(f"{dashboard.url}/3.1/payments/generate", headers={"API-Key": key},
                           timeout=300)
    assert answer.status_code == 200, answer.text


def test_a_generated_invoice_appears_and_opens_on_its_conversions(dashboard):
    tenant, key = dashboard.new_tenant()
    dashboard.open("/")
    click_link(dashboard, f"Tenant {tenant}")
    click_link(dashboard, "Invoices")
    assert [r.get_attribute("data-invoice") for r in by_css(dashboard, "tr[data-invoice]")] == [
        "2925", "2924", "2923", "2922", "2921"]
    generate(dashboard, key)
    dashboard.browser.refresh()
    listed = [r.get_attribute("data-invoice") for r in by_css(dashboard, "tr[data-invoice]")]
    assert listed[:4] == ["2929", "2928", "2927", "2926"]
    click_link(dashboard, "2927")
    # Affiliate 2's USD money: 22 + 22 + 7.25 approved, and 30 whose hold ended on 2024-06-10.
    assert by_css(dashboard, "#revenue")[0].text == "81.25"
    assert [[c.text for c in r.find_elements("css selector", "th, td")][::4]
            for r in by_css(dashboard, "#conversions tbody tr")] == [
        ["660000000000000000000004", "22"], ["660000000000000000000005", "22"],
        ["660000000000000000000006", "7.25"], ["660000000000000000000009", "30"]]


def test_advancing_the_clock_past_a_hold_moves_the_balance(dashboard):
    tenant, _ = dashboard.new_tenant()
    dashboard.open(f"/tenants/{tenant}/network")
    usd = 'tr[data-affiliate="2"][data-currency="USD"]'
    assert cells(dashboard, usd) == ["2", "USD", "111.25", "30", "81.25", "0"]
    click_link(dashboard, "Clock & state")
    fill(dashboard, "Advance by (30s, 15m, 2h, 3d; negative goes back)", "20d")
    press(dashboard, "Advance")
    assert note(dashboard) == "Clock: 2024-07-05 12:00:00 (frozen)."
    click_link(dashboard, "Network")
    assert cells(dashboard, usd) == ["2", "USD", "111.25", "0", "111.25", "0"]


def test_a_fault_rule_shows_in_the_journal_after_a_call(dashboard):
    tenant, key = dashboard.new_tenant()
    dashboard.open(f"/tenants/{tenant}/controls")
    fill(dashboard, "Method", "GET")
    fill(dashboard, "Path (* matches any text)", "/3.0/admin/partners")
    fill(dashboard, "Status or delay", "503")
    fill(dashboard, "Times (empty: always)", "1")
    press(dashboard, "Add fault rule")
    assert note(dashboard).startswith("Added fault rule")
    answer = requests.get(f"{dashboard.url}/3.0/admin/partners",
                          params={"api-key": key, "status": "active"}, timeout=300)
    assert answer.status_code == 503
    click_link(dashboard, "Journal")
    first = by_css(dashboard, "#journal tbody tr")[0]
    texts = [c.text for c in first.find_elements("css selector", "th, td")]
    assert texts[2:6] == ["GET", "/3.0/admin/partners", "503", "status"]
    navigate(dashboard, first.find_element("css selector", "th a"))
    assert json.loads(by_css(dashboard, "#parameters")[0].text) == {
        "api-key": "***", "status": "active"}
    assert key not in dashboard.browser.page_source


def test_restoring_a_snapshot_takes_the_generated_invoice_away(dashboard):
    tenant, key = dashboard.new_tenant()
    dashboard.open(f"/tenants/{tenant}/controls")
    fill(dashboard, "Snapshot name", "clean")
    press(dashboard, "Save snapshot")
    assert note(dashboard) == "Saved snapshot 'clean'."
    generate(dashboard, key)
    click_link(dashboard, "Invoices")
    assert by_css(dashboard, 'tr[data-invoice="2926"]')
    click_link(dashboard, "Clock & state")
    press(dashboard, "Restore clean")
    assert note(dashboard) == "Restored snapshot 'clean'."
    click_link(dashboard, "Invoices")
    assert not by_css(dashboard, 'tr[data-invoice="2926"]')


SCRIPT = '<script>document.title="owned"</script>'


def test_a_stored_script_note_renders_as_text(dashboard):
    document = json.loads(SUITE_FIXTURE.read_text())
    for payment in document["payments"]:
        if payment["id"] == 2921:
            payment["notes"] = SCRIPT
    tenant, _ = dashboard.new_tenant(document)
    dashboard.open(f"/tenants/{tenant}/invoices/2921")
    assert by_css(dashboard, "#notes")[0].text == SCRIPT
    assert "owned" not in dashboard.browser.title
    assert not by_css(dashboard, "script")
