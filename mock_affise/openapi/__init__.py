"""The mock's own OpenAPI 3.1 document: the Affise routes it serves, /_mock and /openapi.json.

Written here, not copied from Affise. The request side (path ids, query parameters, bodies)
is generated from the request schemas the views load (requests.py); the answers are written by
hand after what the views render (api/payments.py render_payment and friends), so a generated
client or a schema-driven fuzzer can hold every answer against it. Repeated parts (the error
envelope, the API key, array parameters, the fixture document) are defined once under
components and referenced.
"""

from __future__ import annotations

from .document import build_document, openapi_document

__all__ = ["build_document", "openapi_document"]
