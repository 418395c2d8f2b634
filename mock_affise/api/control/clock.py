"""Control views of the tenant clock."""

from __future__ import annotations

from ...clock import clock_state, move_clock
from ..params import EARLIEST, LATEST
from .base import body, control, route
from .schemas import ClockMove, parse


@route("/clock", ["GET"])
@control()
def get_clock(session, tenant):
    """Return the tenant clock."""
    return {"status": 1, **clock_state(tenant)}


def move_tenant_clock(tenant, request_body) -> dict:
    """Set, advance or (un)freeze the tenant clock as request_body says; return the answer."""
    change = parse(ClockMove(), request_body)
    move_clock(tenant, change["field"], change["moment"], change["seconds"], change["frozen"],
               (EARLIEST, LATEST))
    return {"status": 1, **clock_state(tenant)}


@route("/clock", ["POST"])
@control(write=True)
def move(session, tenant):
    """Set, advance or (un)freeze the tenant clock: {"set": ...} | {"advance": "3d"} | ..."""
    return move_tenant_clock(tenant, body())
