"""The read-only operations drift asks both sides, and the comparison of their answers.

Lists come first: each side's first partner, conversion and invoice are then asked by id on
that side (the two sides' ids may differ). Then a few deliberate errors: an unknown id, a
missing required parameter. Every call is GET.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..importer.client import FORBIDDEN, AffiseReader, Answer
from .shapes import Difference, compare, shape_of

UNKNOWN_ID = 999999999
UNKNOWN_HEX = "000000000000000000000000"


@dataclass(frozen=True)
class Probe:
    """One GET: its name, path (maybe naming a sample: {partner}), parameters."""

    name: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    sample: str | None = None  # which sample the path or parameters need
    # (sample kind, list key, id key): this list's first row is that sample
    gives: tuple[str, str, str] | None = None
    # a key may lack the permission (403): then not compared, and said so, as import skips it
    optional: bool = False


def probes(date_from: date, date_to: date, limit: int) -> list[Probe]:
    """Every operation drift compares, lists first."""
    period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    return [
        Probe("currencies", "/3.0/admin/currency", {"extended": 1}),
        Probe("currencies (plain)", "/3.0/admin/currency"),
        Probe("payment systems", "/3.0/admin/payment_systems"),
        Probe("partners", "/3.0/admin/partners", {"limit": limit},
              gives=("partner", "partners", "id")),
        Probe("conversions", "/3.0/stats/conversions", {**period, "limit": limit},
              gives=("conversion", "conversions", "id")),
        Probe("payments", "/3.1/payments", {**period, "limit": limit},
              gives=("payment", "payments", "id")),
        Probe("advertiser invoices", "/3.0/admin/advertiser-invoices", {"limit": limit},
              optional=True),
        Probe("partner by id", "/3.0/admin/partner/{partner}", sample="partner"),
        Probe("conversion by id", "/3.0/stats/conversionsbyid", {"id": "{conversion}"},
              sample="conversion"),
        Probe("payment by id", "/3.1/payments/{payment}", sample="payment"),
        Probe("partner, unknown id", f"/3.0/admin/partner/{UNKNOWN_ID}"),
        Probe("payment, unknown id", f"/3.1/payments/{UNKNOWN_ID}"),
        Probe("conversion, unknown id", "/3.0/stats/conversionsbyid", {"id": UNKNOWN_HEX}),
        Probe("payments, missing date_from and date_to", "/3.1/payments"),
        Probe("conversion by id, missing id", "/3.0/stats/conversionsbyid"),
    ]


@dataclass
class Report:
    """What drift found: the differences, and the operations it could not compare."""

    differences: list[Difference] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"differences": [d.as_dict() for d in self.differences],
                "compared": self.compared, "skipped": self.skipped}


class _Side:
    def __init__(self, reader: AffiseReader) -> None:
        self.reader = reader
        self.samples: dict[str, str] = {}

    def ask(self, probe: Probe) -> Answer | None:
        if probe.sample and probe.sample not in self.samples:
            return None
        def fill(value: Any) -> Any:
            return value.format(**self.samples) if isinstance(value, str) else value

        answer = self.reader.get(fill(probe.path), {k: fill(v) for k, v in probe.params.items()},
                                 optional=probe.optional)
        if probe.gives and answer.ok:
            kind, items, key = probe.gives
            rows = answer.body.get(items) or []
            if rows and isinstance(rows[0], dict) and rows[0].get(key) is not None:
                self.samples[kind] = str(rows[0][key])
        return answer


def run_probes(affise: AffiseReader, mock: AffiseReader, chosen: list[Probe]) -> Report:
    """Ask both sides every probe; compare statuses and shapes."""
    report = Report()
    theirs, ours = _Side(affise), _Side(mock)
    for probe in chosen:
        a, b = theirs.ask(probe), ours.ask(probe)
        if a is None or b is None:
            side = "Affise" if a is None else "the mock"
            report.skipped.append(f"{probe.name}: no {probe.sample} to ask for on {side}")
            continue
        refused = [side for side, answer in (("Affise", a), ("the mock", b))
                   if probe.optional and answer.status == FORBIDDEN]
        if refused:
            report.skipped.append(f"{probe.name}: {' and '.join(refused)} answered 403 (the "
                                  "key may not read it)")
            continue
        report.compared.append(probe.name)
        if a.status != b.status:
            report.differences.append(Difference(probe.name, "(HTTP status)", "status",
                                                 str(a.status), str(b.status)))
        if a.media_type != b.media_type:  # the Go SDK parses nothing but application/json
            report.differences.append(Difference(probe.name, "(Content-Type)", "content type",
                                                 a.media_type or "-", b.media_type or "-"))
        if a.body is None or b.body is None:
            if (a.body is None) != (b.body is None):
                report.differences.append(Difference(
                    probe.name, "(body)", "type", "not JSON" if a.body is None else "JSON",
                    "not JSON" if b.body is None else "JSON"))
            continue
        report.differences.extend(compare(probe.name, shape_of(a.body), shape_of(b.body)))
    return report


def render_table(report: Report) -> str:
    """The differences as a plain-text table (operation, field, kind, Affise, mock)."""
    if not report.differences:
        lines = [f"no differences in {len(report.compared)} operations"]
    else:
        head = ("operation", "field", "difference", "Affise", "mock")
        rows = [head, *((d.operation, d.field, d.kind, d.affise, d.mock)
                        for d in report.differences)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                 .rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * width for width in widths))
        lines.append(f"{len(report.differences)} differences in {len(report.compared)} "
                     "operations")
    lines.extend(f"not compared: {reason}" for reason in report.skipped)
    return "\n".join(lines)
