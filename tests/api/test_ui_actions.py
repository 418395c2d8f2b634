"""The dashboard's actions: each is the control plane's own, refused with its own message."""

from __future__ import annotations

import re

from tests.api.ui_helpers import T1, UI, csrf, note, post, row, text
from tests.conftest import ADMIN_KEY

KEY = {"API-Key": ADMIN_KEY}
CONTROLS = f"{T1}/controls"


def test_advancing_the_clock_past_a_hold_moves_the_balance(client):
    answer = post(client, f"{T1}/clock", {"move": "advance", "advance": "20d"}, CONTROLS)
    assert answer.status_code == 200
    assert note(answer) == "Clock: 2024-07-05 12:00:00 (frozen)."
    # The 30 USD held until 2024-07-05 joins affiliate 2's available money.
    assert row(client.get(f"{T1}/network"), 'data-affiliate="2" data-currency="USD"') == [
        "2", "USD", "111.25", "0", "111.25", "0"]
    assert client.get("/_mock/clock", headers=KEY).json["now"] == "2024-07-05 12:00:00"


def test_a_refused_action_shows_the_control_planes_own_message_and_changes_nothing(client):
    cases = [({"move": "advance", "advance": "3 days"}, {"advance": "3 days"}),
             ({"move": "set", "set": "yesterday"}, {"set": "yesterday"}),
             ({"move": "advance"}, {"advance": ""}),
             ({"move": "sideways"}, {})]
    for form, body in cases:
        json_message = client.post("/_mock/clock", headers=KEY, json=body).json["message"]
        shown = note(post(client, f"{T1}/clock", form, CONTROLS))
        assert shown == f"Refused (400): {json_message}"
    assert client.get("/_mock/clock", headers=KEY).json["now"] == "2024-06-15 12:00:00"


def test_the_clock_is_set_frozen_and_unfrozen(client):
    assert note(post(client, f"{T1}/clock", {"move": "set", "set": "2024-08-01 00:00:00",
                                              "frozen": "1"}, CONTROLS)) == \
        "Clock: 2024-08-01 00:00:00 (frozen)."
    assert note(post(client, f"{T1}/clock", {"move": "unfreeze"}, CONTROLS)).endswith(
        "(running).")
    assert client.get("/_mock/clock", headers=KEY).json["frozen"] is False
    assert note(post(client, f"{T1}/clock", {"move": "freeze"}, CONTROLS)).endswith("(frozen).")


def test_settings_change_through_the_control_plane(client):
    shown = note(post(client, f"{T1}/config", {"generation_delay_seconds": "120",
                                               "referral_percent": ""}, CONTROLS))
    assert shown == "Settings: generation delay 120 s, referral percent 0."
    assert client.get("/_mock/config", headers=KEY).json["config"][
        "generation_delay_seconds"] == 120
    refused = note(post(client, f"{T1}/config", {"referral_percent": "101"}, CONTROLS))
    assert refused == "Refused (400): referral_percent: must be a decimal number from 0 to 100"


def test_a_fault_rule_is_added_listed_fired_and_deleted(client):
    shown = note(post(client, f"{T1}/faults", {"method": "GET", "path": "/3.0/admin/partners",
                                               "action": "status", "value": "503",
                                               "times": "1"}, CONTROLS))
    assert re.fullmatch(r"Added fault rule \d+\.", shown)
    rule_id = int(shown.split()[-1].rstrip("."))
    assert row(client.get(CONTROLS), f'data-fault="{rule_id}"')[:5] == [
        str(rule_id), "GET", "/3.0/admin/partners", '{"status": 503}', "1"]
    assert client.get("/3.0/admin/partners", headers=KEY).status_code == 503
    journal = client.get(f"{T1}/journal").get_data(as_text=True)
    assert re.search(r"<td>503</td>\s*<td>status</td>", journal)
    assert note(post(client, f"{T1}/faults/{rule_id}/delete", page=CONTROLS)) == \
        f"Deleted fault rule {rule_id}."
    assert client.get("/_mock/faults", headers=KEY).json["faults"] == []


def test_a_bad_fault_rule_is_refused_as_the_json_route_refuses_it(client):
    body = {"match": {"path": "no-slash"}, "action": {"status": "500"}}
    json_message = client.post("/_mock/faults", headers=KEY, json=body).json["message"]
    shown = note(post(client, f"{T1}/faults", {"path": "no-slash", "action": "status",
                                               "value": "500"}, CONTROLS))
    assert shown == f"Refused (400): {json_message}"
    assert client.get("/_mock/faults", headers=KEY).json["faults"] == []


def test_snapshots_are_saved_restored_and_deleted(client):
    assert note(post(client, f"{T1}/snapshots", {"name": "before"}, CONTROLS)) == \
        "Saved snapshot 'before'."
    client.post("/3.1/payments/generate", headers=KEY)
    assert "2926" in text(client.get(f"{T1}/invoices"))
    assert note(post(client, f"{T1}/snapshots/restore", {"name": "before"}, CONTROLS)) == \
        "Restored snapshot 'before'."
    assert "2926" not in text(client.get(f"{T1}/invoices"))
    assert note(post(client, f"{T1}/snapshots/restore", {"name": "nope"}, CONTROLS)) == \
        "Refused (404): Snapshot 'nope' not found"
    assert note(post(client, f"{T1}/snapshots/delete", {"name": "before"}, CONTROLS)) == \
        "Deleted snapshot 'before'."
    assert client.get("/_mock/snapshots", headers=KEY).json["snapshots"] == []


def test_tenants_are_made_reset_and_dropped(client):
    made = post(client, f"{UI}/tenants", {"document": ""})
    assert note(made) == "Made tenant 2."
    assert made.request.path == f"{UI}/tenants/2/network"
    post(client, f"{T1}/clock", {"move": "advance", "advance": "1d"}, CONTROLS)
    assert note(post(client, f"{T1}/reset", page=CONTROLS)) == "Tenant 1 is back to its seed."
    assert client.get("/_mock/clock", headers=KEY).json["now"] == "2024-06-15 12:00:00"
    assert note(post(client, f"{UI}/tenants/2/drop")) == "Dropped tenant 2."
    assert client.get(f"{UI}/tenants/2/network").status_code == 404
    refused = post(client, f"{UI}/tenants", {"document": '{"currencies": 5}'})
    assert note(refused).startswith("Refused (400): Invalid fixture: currencies")


def test_the_journal_is_emptied(client):
    client.get("/3.0/admin/partners", headers=KEY)
    assert note(post(client, f"{T1}/journal/clear", page=f"{T1}/journal")) == \
        "Emptied the journal."
    assert "No call matches." in text(client.get(f"{T1}/journal"))


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(client):
    client.get(f"{UI}/")  # the browser holds its CSRF cookie
    for form in ({}, {"csrf": "0" * 64}):
        answer = client.post(f"{T1}/clock", data={"move": "advance", "advance": "1d", **form})
        assert answer.status_code == 403
        assert "The form has expired or came from elsewhere" in text(answer)
    other = client.application.test_client()  # another browser: its token is not this one's
    token = csrf(client)
    other.get(f"{UI}/")
    assert other.post(f"{T1}/clock", data={"csrf": token, "move": "advance",
                                            "advance": "1d"}).status_code == 403
    assert client.get("/_mock/clock", headers=KEY).json["now"] == "2024-06-15 12:00:00"


def test_fault_rules_and_snapshots_page_apart(client):
    for name in ("a", "b", "c"):
        post(client, f"{T1}/snapshots", {"name": name}, CONTROLS)
    post(client, f"{T1}/faults", {"path": "/x", "action": "delay_ms", "value": "1"}, CONTROLS)
    page = client.get(f"{CONTROLS}?limit=2&snapshots_page=2")
    body = text(page)
    assert "Restore c" in body and "Restore a" not in body
    assert "1 fault rules · page 1 of 1" in body and "3 snapshots · page 2 of 2" in body
    refused = client.get(f"{CONTROLS}?faults_page=0")
    assert refused.status_code == 400
    assert "faults_page: must be between 1 and 1000000000" in text(refused)


def test_a_long_non_ascii_refusal_still_fits_the_note_cookie(app):
    # Browsers drop a cookie past 4,096 bytes: the note would vanish with the message it carries.
    from mock_affise.api.ui.base import NOTE_COOKIE, act
    from mock_affise.errors import BadRequest

    def refuse():
        raise BadRequest("\u00e9" * 2000)

    with app.test_request_context():
        answer = act(refuse, lambda: "/_mock/ui/")
    [cookie] = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith(NOTE_COOKIE)]
    assert len(cookie.encode()) <= 4096
    assert "Refused (400): " in cookie and r"\u2026" in cookie  # the message, cut, marked
