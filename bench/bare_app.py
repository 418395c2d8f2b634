"""The floor the mock is measured against: a bare Flask app under the mock's own gunicorn set-up.

It answers the mock's two read paths with the very bodies the mock answered (read once from
files, serialised again with orjson on every request, as the mock does), so a throughput ratio
compares the mock's per-request work against nothing but Flask + gunicorn + JSON of the same size.
The gunicorn settings (worker class, threads, keep-alive, worker tmp dir) come from
mock_affise.serving, so whatever the mock runs with, this runs with too.

    python bench/bare_app.py --port 0 --workers 2 --single single.json --list list.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, Response

from mock_affise.serving import MockAffiseServer, gunicorn_options


def make_app(single: Any, listed: Any) -> Flask:
    app = Flask("bare")

    @app.get("/3.1/payments/<int:payment_id>")
    def one(payment_id: int) -> Response:
        return Response(orjson.dumps(single), status=200, mimetype="application/json")

    @app.get("/3.1/payments")
    def page() -> Response:
        return Response(orjson.dumps(listed), status=200, mimetype="application/json")

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--single", required=True, help="JSON body for /3.1/payments/<id>")
    parser.add_argument("--list", required=True, help="JSON body for /3.1/payments")
    args = parser.parse_args(argv)
    single = orjson.loads(Path(args.single).read_bytes())
    listed = orjson.loads(Path(args.list).read_bytes())

    def announce(server: Any) -> None:
        url = str(server.LISTENERS[0]) if server.LISTENERS else f"http://{args.host}:{args.port}"
        print(f"bare serving {url}", flush=True)

    options = gunicorn_options(args.host, args.port, args.workers)
    options["when_ready"] = announce
    options["preload_app"] = False
    MockAffiseServer(lambda: make_app(single, listed), options).run()


if __name__ == "__main__":
    sys.exit(main())
