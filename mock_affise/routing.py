"""The URL map: its converters, its rules, and one compiled copy shared by every app.

Every app serves the same routes, and a test suite builds an app per test: a profile of
create_app showed werkzeug compiling the same 145 rules into a new matcher for each app
(35 ms of an app's 60). The rules are recorded as the blueprints add them, compiled once per
process into a map, and each app gets a map of its own that shares the compiled rules until it
adds a route of its own (then it compiles its own copy first: nothing leaks into other apps).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from typing import Any

from werkzeug.routing import IntegerConverter, Map, Rule, UnicodeConverter, ValidationError
from werkzeug.routing.matcher import StateMachineMatcher

from .numbers import NumberError, parse_int
from .texts import text_problem


class LazyBuildRule(Rule):
    """A route whose URL builders (url_for) are compiled on first use, not when it is added.

    A profile of create_app showed werkzeug generating and compiling the Python source of two
    builders per rule for half the app's build time; the mock serves requests, it seldom
    builds URLs, and a test suite builds an app per test.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown))
            return compiled[0](rule, *args, **kwargs)

        return build


class PathText(UnicodeConverter):
    """A path segment read as text: one no column can hold (a NUL, a lone surrogate) matches no
    route, so it answers 404 like any unknown path instead of reaching the database."""

    def to_python(self, value: str) -> str:
        if text_problem(value) is not None:
            raise ValidationError()
        return value


class IdConverter(IntegerConverter):
    """An integer path id in ASCII digits; one too large for the database reads as 0, an id
    nothing has."""

    regex = r"[0-9]+"  # werkzeug's \d+ also matches "٢٩٢١", which int() reads as 2921

    def to_python(self, value: str) -> int:
        try:
            return parse_int(value, maximum=2**63 - 1)
        except NumberError:
            return 0


def new_map() -> RecordingMap:
    """Return the map an app's routes are added to while it is built (see shared_map)."""
    return RecordingMap(strict_slashes=False,
                        # No 308 redirect to a merged path (an HTML answer): //x is a path no
                        # route serves, a 404.
                        merge_slashes=False,
                        converters={"int": IdConverter, "default": PathText, "string": PathText})


class RecordingMap(Map):
    """A map that only records the rules added to it (iter_rules lists them), uncompiled."""

    def add(self, rulefactory: Any) -> None:
        for rule in rulefactory.get_rules(self):
            self._rules_by_endpoint.setdefault(rule.endpoint, []).append(rule)

    def iter_rules(self, endpoint: Any | None = None) -> Any:
        if endpoint is not None:
            return iter(self._rules_by_endpoint[endpoint])
        return iter(self._rules)

    def shared_map(self) -> SharedMap:
        """Return a map of the recorded rules: a new one sharing the compiled rules of the
        first map made from the same rules and settings in this process."""
        key = self._key()
        with _COMPILED_LOCK:
            compiled = _COMPILED.get(key)
            if compiled is None:
                compiled = _COMPILED[key] = SharedMap(
                    strict_slashes=self.strict_slashes, merge_slashes=self.merge_slashes,
                    converters=self.converters, host_matching=self.host_matching,
                    default_subdomain=self.default_subdomain,
                    redirect_defaults=self.redirect_defaults)
                for rule in self._rules:
                    Map.add(compiled, rule)
                compiled.update()
        shared = copy.copy(compiled)  # the matcher and the rules are the compiled map's
        shared.converters = dict(compiled.converters)
        shared.shared = True
        return shared

    def _key(self) -> Hashable:
        settings = (self.strict_slashes, self.merge_slashes, self.host_matching,
                    self.default_subdomain, self.redirect_defaults,
                    tuple(sorted(self.converters.items())))
        return settings, tuple(
            (type(rule), rule.rule, repr(sorted(rule.get_empty_kwargs().items(), key=str)),
             getattr(rule, "provide_automatic_options", None))
            for rule in self._rules)


class SharedMap(Map):
    """A map whose compiled rules may be shared with other apps' maps (shared=True): adding a
    rule first gives this map compiled rules of its own."""

    shared = False

    @property
    def merge_slashes(self) -> bool:
        return self._matcher.merge_slashes

    @merge_slashes.setter
    def merge_slashes(self, value: bool) -> None:
        # werkzeug keeps this setting on the matcher, which a shared map shares.
        self._own_rules()
        self._matcher.merge_slashes = value

    def add(self, rulefactory: Any) -> None:
        self._own_rules()
        Map.add(self, rulefactory)

    def _own_rules(self) -> None:
        """Give this map compiled rules of its own, if it shares them."""
        if self.shared:
            rules = self._rules
            self._matcher = StateMachineMatcher(self.merge_slashes)
            self._rules_by_endpoint = {}
            self._remap_lock = self.lock_class()
            self.shared = False
            for rule in rules:
                copied = rule.empty()
                copied.provide_automatic_options = getattr(  # type: ignore[attr-defined]
                    rule, "provide_automatic_options", False)
                Map.add(self, copied)


_COMPILED: dict[Hashable, SharedMap] = {}
_COMPILED_LOCK = threading.Lock()
