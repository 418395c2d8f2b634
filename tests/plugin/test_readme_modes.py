"""The README's pytest plugin examples pass as written, against the live server and intercepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mock_affise import pytest_plugin

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"
STRICT = ("--strict-markers", "-W", "error::DeprecationWarning", "-p", "no:cacheprovider")
MODES = {"live": None, "intercepted": "https://api-mock.affise.com"}


def plugin_examples() -> list[str]:
    """Return the test modules the README's pytest plugin section shows, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## pytest plugin\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    return [block for block in blocks if re.search(r"^def test_", block, re.MULTILINE)]


def test_the_readme_shows_the_plugin_and_the_interception_examples():
    examples = plugin_examples()

    assert len(examples) == 2
    assert "affise_intercept" in examples[1]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("number", range(len(plugin_examples())))
def test_each_readme_example_passes_in_both_modes(pytester, monkeypatch, mode, number):
    monkeypatch.delenv(pytest_plugin.URL_VARIABLE, raising=False)
    monkeypatch.delenv(pytest_plugin.TOKEN_VARIABLE, raising=False)
    if MODES[mode]:
        monkeypatch.setenv(pytest_plugin.INTERCEPT_VARIABLE, MODES[mode])
    else:
        monkeypatch.delenv(pytest_plugin.INTERCEPT_VARIABLE, raising=False)
    example = plugin_examples()[number]
    pytester.makepyfile(test_readme_example=example)
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='session', autouse=True)\n"
        "def served_in(mock_affise_server):\n"
        f"    assert (mock_affise_server.url == {MODES[mode]!r}) is {bool(MODES[mode])}\n")

    result = pytester.runpytest_inprocess(*STRICT)

    tests = len(re.findall(r"^def test_", example, re.MULTILINE))
    result.assert_outcomes(passed=tests)
