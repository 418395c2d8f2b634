"""The README's first session, replayed: its curl calls on the default fixture give its answers."""

from __future__ import annotations

import json
import re
import shlex
from urllib.parse import quote

import pytest

from tests.api.test_payments_seed_article import ARTICLE_CALLS
from tests.conftest import DEFAULT_ADMIN_KEY, DEFAULT_FIXTURE, ROOT


def first_session() -> str:
    """The README's "A first session" section."""
    text = (ROOT / "README.md").read_text()
    return text.split("## A first session", 1)[1].split("\n## ", 1)[0]


def session_calls() -> list[tuple[list[str], list[str]]]:
    """Each curl call of the session's shell block: its arguments, and the answer lines after it."""
    block = re.search(r"```sh\n(.*?)```", first_session(), re.S).group(1)
    variables = dict(re.findall(r"^(\w+)=(.*)$", block, re.M))
    lines = block.replace("\\\n", " ").splitlines()
    calls: list[tuple[list[str], list[str]]] = []
    for line in lines:
        if line.startswith("curl "):
            for name, value in variables.items():
                line = line.replace(f"${name}", shlex.split(value)[0])
            calls.append((shlex.split(line)[1:], []))
        elif line.startswith("# {") and calls:
            calls[-1][1].append(line[2:])
    return calls


def curl_request(arguments: list[str]) -> tuple[str, str, dict[str, str], list[str]]:
    """Read the method, URL path, headers and --data-urlencode arguments of one curl call."""
    method, path, headers, data = None, None, {}, []
    words = iter(arguments)
    for word in words:
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, value = next(words).split(": ", 1)
            headers[name] = value
        elif word == "--data-urlencode":
            data.append(next(words))
        elif word.startswith("http://127.0.0.1:8080/"):
            path = word.removeprefix("http://127.0.0.1:8080")
    return method or ("POST" if data else "GET"), path, headers, data


def curl_body(data: list[str]) -> str:
    """Join --data-urlencode arguments as curl does: the value after the first '=' encoded."""
    return "&".join(f"{name}={quote(value, safe='')}"
                    for name, value in (item.split("=", 1) for item in data))


def test_the_session_shows_the_default_fixtures_key_and_clock():
    section = first_session()
    document = json.loads(DEFAULT_FIXTURE.read_text())

    assert f"admin API key: {DEFAULT_ADMIN_KEY}" in section
    assert f"KEY='api-key: {DEFAULT_ADMIN_KEY}'" in section
    assert f"frozen at {document['now']}" in " ".join(section.split())


def test_the_session_makes_the_articles_calls_in_its_order():
    posts = [curl_request(arguments) for arguments, _ in session_calls()]

    assert [(method, path, data) for method, path, _, data in posts if method == "POST"] == \
        [(method, path, arguments) for method, path, arguments, _ in ARTICLE_CALLS]


@pytest.fixture
def default_app(make_app):
    return make_app(FIXTURES=str(DEFAULT_FIXTURE))


def test_each_call_of_the_session_answers_what_the_readme_shows(default_app):
    client = default_app.test_client()
    calls = session_calls()
    assert len(calls) == 8  # the six of the article and two reads

    for arguments, shown in calls:
        method, path, headers, data = curl_request(arguments)
        response = client.open(path, method=method, headers=headers, data=curl_body(data),
                               content_type="application/x-www-form-urlencoded")
        answer = response.get_data(as_text=True)
        assert response.status_code == 200, (path, answer)
        [expected] = shown
        if "..." in expected:
            # An abbreviated answer: each piece it shows is in the answer, in that order.
            at = 0
            for piece in (p.strip(",") for p in expected.split("...")):
                found = answer.find(piece, at)
                assert found >= 0, (path, piece, answer)
                at = found + len(piece)
        else:
            assert json.loads(answer) == json.loads(expected), path
