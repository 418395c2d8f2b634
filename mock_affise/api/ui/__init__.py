"""The dashboard at /_mock/ui: server-rendered pages over the control plane.

Pages read through the harness's dashboard services; every action calls the control plane's
own action (the function its JSON route calls) and shows the answer or the control plane's
message. With CONTROL_TOKEN set, nothing but the sign-in form and the stylesheet is served
without the token (kept in an HttpOnly, SameSite=Strict cookie); every form carries a CSRF token.
"""

from __future__ import annotations

from . import actions, guard, pages  # noqa: F401  (their routes join the blueprint)
from .base import blueprint

__all__ = ["blueprint"]
