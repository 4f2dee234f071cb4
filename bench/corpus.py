"""The labelled evaluation corpus: seeded Faker PII in log lines of several shapes.

Each line records every PII value it holds (entity, value, span) and the non-PII
tokens a good scrubber must keep (timestamps, UUIDs, hex ids, order numbers,
prices, durations, versions, ports, paths, status codes, class and service names).
Shapes: plain text, JSON lines (PII in free-text values and under PII-named
keys), key=value, nginx/apache access lines with query strings, Python traceback
lines, syslog. Card numbers and IBANs come from public test vectors
(:mod:`bench._vectors`). Generation is deterministic for a seed.

``python -m bench.corpus [--lines N] [--out PATH]`` writes JSON lines.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from faker import Faker

from bench._vectors import IBAN_EXAMPLES, TEST_CARDS

__all__ = ["DEFAULT_PATH", "Label", "Line", "generate", "load", "write"]

DEFAULT_PATH = Path(__file__).parent / "data" / "corpus.jsonl"
NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "en_IN")
ADDRESS_LOCALES = ("en_US", "en_GB")
_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Label:
    """One PII value in a line."""

    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Line:
    """One corpus line: its text, its PII labels and the non-PII tokens to keep."""

    text: str
    shape: str
    labels: list[Label] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


class _Values:
    """Draws PII and non-PII values from seeded Faker instances."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc in set(NAME_LOCALES) | set(ADDRESS_LOCALES)}
        for i, loc in enumerate(sorted(self.fakers)):
            self.fakers[loc].seed_instance(seed + i)
        self.us = self.fakers["en_US"]

    def pii(self, kind: str) -> tuple[str, str]:
        rng, f = self.rng, self.fakers[self.rng.choice(ADDRESS_LOCALES)]
        if kind in ("PERSON", "PERSON2"):
            loc = rng.choice(NAME_LOCALES)
            g = self.fakers[loc]
            value = g.name() if rng.random() < 0.6 else f"{g.first_name()} {g.last_name()}"
            return "PERSON", value
        if kind == "ADDRESS":
            return "STREET_ADDRESS", f.street_address().replace("\n", ", ")
        if kind == "FULL_ADDRESS":
            value = f.address().replace("\n", ", ")
            while value.startswith(("PSC", "USNS", "USNV", "USS", "USCGC", "Unit")):
                value = f.address().replace("\n", ", ")
            return "STREET_ADDRESS", value
        if kind == "EMAIL":
            return "EMAIL_ADDRESS", f.email() if rng.random() < 0.5 else f.free_email()
        if kind == "PHONE":
            return "PHONE_NUMBER", f.phone_number()
        if kind == "CARD":
            number = rng.choice([c for v in TEST_CARDS.values() for c in v])
            style = rng.random()
            if style < 0.4 and len(number) == 16:
                number = " ".join(number[i : i + 4] for i in range(0, 16, 4))
            elif style < 0.6 and len(number) == 16:
                number = "-".join(number[i : i + 4] for i in range(0, 16, 4))
            return "CREDIT_CARD", number
        if kind == "IBAN":
            iban = rng.choice(IBAN_EXAMPLES)
            if rng.random() < 0.4:
                iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
            return "IBAN_CODE", iban
        if kind == "IP":
            return "IP_ADDRESS", self.us.ipv4_public() if rng.random() < 0.8 else self.us.ipv6()
        if kind == "SSN":
            return "US_SSN", self.us.ssn()
        raise KeyError(kind)

    def safe(self, kind: str) -> str:
        rng, f = self.rng, self.us
        values: dict[str, Any] = {
            "ts": lambda: (
                f.date_time_this_year().strftime("%Y-%m-%dT%H:%M:%S.")
                + f"{rng.randrange(1000):03d}Z"
            ),
            "uuid": lambda: str(f.uuid4()),
            "hex": lambda: f"{rng.getrandbits(64):016x}",
            "order": lambda: f"ORD-{rng.randrange(10**6, 10**7)}",
            "price": lambda: f"{rng.randrange(1, 2000)}.{rng.randrange(100):02d}",
            "dur": lambda: f"{rng.randrange(1, 5000)}ms",
            "ver": lambda: f"v{rng.randrange(1, 5)}.{rng.randrange(20)}.{rng.randrange(30)}",
            "port": lambda: str(rng.choice([8080, 443, 5432, 6379, 9092, 8443, 3000])),
            "path": lambda: rng.choice(["/var/log/app/orders.log", "/srv/app/payments.py"]),
            "status": lambda: str(rng.choice([200, 201, 204, 302, 400, 401, 403, 404, 500])),
            "svc": lambda: rng.choice(["orders-api", "payment-svc", "auth-gateway", "mailer"]),
            "cls": lambda: rng.choice(["OrderService", "PaymentGateway", "InvoiceRenderer"]),
            "exc": lambda: rng.choice(["ValueError", "KeyError", "ConnectionResetError"]),
            "level": lambda: rng.choice(["INFO", "WARNING", "ERROR", "DEBUG"]),
            "verb": lambda: rng.choice(["GET", "POST", "PUT", "DELETE"]),
            "tool": lambda: rng.choice(["Kafka", "Redis", "Postgres", "Stripe", "Twilio"]),
            "int": lambda: str(rng.randrange(2, 99999)),
            "sha": lambda: f"{rng.getrandbits(160):040x}",
            "host": lambda: rng.choice(["web01", "web02", "api-3", "worker-7"]),
            "phrase": lambda: rng.choice(
                [
                    "Internal Server Error",
                    "Service Unavailable",
                    "Bad Gateway",
                    "Premium Plan",
                    "Google Chrome",
                    "Amazon Web Services",
                    "Visa Classic",
                    "Apple Pay",
                    "Black Friday Sale",
                    "Gift Card",
                    "Express Delivery",
                    "Customer Success",
                    "Data Protection Officer",
                    "Quarterly Report",
                    "Spring Boot",
                ]
            ),
        }
        return str(values[kind]())


_TEXT = [
    "{ts} {level} [{svc}] order {order} shipped to {PERSON} at {ADDRESS} in {dur}",
    "{ts} {level} {cls}: sending receipt for {order} to {EMAIL} (total {price} EUR)",
    "{ts} {level} user {PERSON} changed phone to {PHONE} via {tool} {ver}",
    "{ts} {level} payment {uuid} declined for card {CARD}, customer {PERSON}",
    "{ts} {level} refund of {price} to IBAN {IBAN} requested by {PERSON}",
    "{ts} {level} login ok for {EMAIL} from {IP} port {port} session {hex}",
    "{ts} {level} verifying identity of {PERSON}: SSN {SSN} matched in {dur}",
    "{ts} {level} Dear {PERSON}, your parcel {order} will arrive at {FULL_ADDRESS}",
    "{ts} {level} {tool} consumer lag {int} on partition {int}, commit {sha}",
    "{ts} {level} [{svc}] {verb} handled in {dur} status {status} build {ver}",
    "{ts} {level} contact {PERSON} <{EMAIL}> tel {PHONE} about ticket {order}",
    "{ts} {level} new address for {PERSON}: {FULL_ADDRESS}",
    "{ts} {level} {cls} retry {int} of 5 after {dur}, request {uuid}",
    "{ts} {level} invoice {order} for {PERSON} sent, amount {price}, trace {hex}",
    "{ts} {level} {PERSON} and {PERSON2} joined the account {hex}",
    "{ts} {level} Mr {PERSON} asked to update billing address to {ADDRESS}",
    # No cue word before the name: only the model (or the name itself) can tell.
    "{ts} {level} {PERSON} logged in with {tool} SSO in {dur}",
    "{ts} {level} [{svc}] {PERSON}'s session {hex} expired after {dur}",
    "{ts} {level} ticket {order} reassigned ({PERSON}) priority {int}",
    "{ts} {level} approved: {PERSON}; amount {price}; ref {uuid}",
    "{ts} {level} {cls} export row {int}: {PERSON},{EMAIL},{price}",
    "{ts} {level} Package {order} left depot, recipient address {ADDRESS}, courier {tool}",
    "{ts} {level} audit: {PERSON} viewed record {int} of {PERSON2}",
    "{ts} {level} '{PERSON}' is not a valid signer for contract {order}",
    "{ts} {level} upstream returned {status} {phrase} after {dur}",
    "{ts} {level} {phrase} enabled for account {hex} by {PERSON}",
    "{ts} {level} {phrase}: {int} items, {price} total",
    "{ts} {level} card {CARD} holder {PERSON_U} declined by issuer, {dur}",
    # Capitalised non-names in the positions the name rules use (subject of a verb).
    "{ts} {level} {phrase} started in {dur} on {host}",
    "{ts} {level} {phrase} updated to {ver} by the {svc} job",
    "{ts} {level} {phrase}'s quota reached {int} requests",
]
_KV = [
    "ts={ts} level={level} svc={svc} event=signup email={EMAIL} ip={IP} took={dur}",
    'ts={ts} level={level} msg="card charged" card={CARD} amount={price} order={order}',
    'ts={ts} level={level} event=profile_update name="{PERSON}" phone="{PHONE}" req={uuid}',
    "ts={ts} level={level} event=kyc ssn={SSN} iban={IBAN} ver={ver} trace={hex}",
    'ts={ts} level={level} event=shipment to="{ADDRESS}" recipient="{PERSON}" id={order}',
]
_ACCESS = [
    '{IP} - - [27/Nov/2026:14:05:10 +0000] "{verb} /api/v1/orders/{int}?email={EMAIL}&ref={hex} '
    'HTTP/1.1" {status} {int} "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"',
    '{IP} - - [27/Nov/2026:14:05:11 +0000] "GET /search?q=shoes&page={int} HTTP/1.1" {status} '
    '{int} "-" "curl/8.5.0"',
    '{IP} - - [27/Nov/2026:14:05:12 +0000] "POST /checkout?phone={PHONE}&order={order} '
    'HTTP/2.0" {status} {int} {dur}',
    '{IP} - - [27/Nov/2026:14:05:13 +0000] "GET /api/v2/profile?name={PERSON_Q}&id={int} '
    'HTTP/1.1" {status} {int} "-" "okhttp/4.12.0"',
    '{IP} - - [27/Nov/2026:14:05:14 +0000] "GET /track?to={ADDRESS_Q}&order={order} '
    'HTTP/1.1" {status} {int}',
]
_TRACE = [
    '  File "{path}", line {int}, in charge_card',
    "{exc}: could not ship {order} to {FULL_ADDRESS} for {PERSON}",
    "{exc}: invalid email {EMAIL} (user {PERSON})",
    "{exc}: card {CARD} rejected by {cls} after {dur}",
    "Traceback (most recent call last): {cls}.handle failed at {path} build {ver}",
]
_SYSLOG = [
    "Nov 27 14:05:10 {host} sshd[{int}]: Failed password for invalid user admin from {IP} "
    "port {port} ssh2",
    "Nov 27 14:05:11 {host} postfix/smtp[{int}]: to=<{EMAIL}>, relay=mx.example.net, "
    "delay={dur}, status=sent",
    "Nov 27 14:05:12 {host} app[{int}]: support call from {PHONE} for {PERSON} logged",
]
_JSON_FREE = [
    "order {order} shipped to {PERSON}, {ADDRESS}",
    "password reset mail sent to {EMAIL} for {PERSON}",
    "charge of {price} on card {CARD} failed: {exc}",
    "{cls} processed {int} events in {dur}",
    "{PERSON} updated the delivery address to {FULL_ADDRESS}",
    "{PERSON} opened ticket {order}",
]
_JSON_KEYS = ["name", "email", "phone", "address", "card", "iban", "ssn"]
_KEY_KIND = {
    "name": "PERSON",
    "email": "EMAIL",
    "phone": "PHONE",
    "address": "FULL_ADDRESS",
    "card": "CARD",
    "iban": "IBAN",
    "ssn": "SSN",
}


def _fill(template: str, vals: _Values) -> tuple[str, list[tuple[str, str, str]], list[str]]:
    text, pos, labels, keep = [], 0, [], []
    for m in _FIELD.finditer(template):
        text.append(template[pos : m.start()])
        kind = m.group(1)
        if kind.endswith("_Q"):  # URL-encoded in a query string; the label keeps the value
            entity, raw = vals.pii(kind[:-2])
            value = quote_plus(raw)
            labels.append((entity, raw, value))
        elif kind.endswith("_U"):  # in capitals, as card holders are printed
            entity, value = vals.pii(kind[:-2])
            value = value.upper()
            labels.append((entity, value, value))
        elif kind.isupper():
            entity, value = vals.pii(kind)
            labels.append((entity, value, value))
        else:
            value = vals.safe(kind)
            keep.append(value)
        text.append(value)
        pos = m.end()
    text.append(template[pos:])
    return "".join(text), labels, keep


def _locate(text: str, found: list[tuple[str, str, str]], shape: str, keep: list[str]) -> Line:
    labels, cursor = [], 0
    for entity, value, shown in found:
        encoded = json.dumps(shown, ensure_ascii=False)[1:-1] if shape == "json" else shown
        start = text.find(encoded, cursor)
        if start < 0:
            start = text.find(encoded)
        labels.append(Label(entity, value, start, start + len(encoded)))
        cursor = start + len(encoded)
    return Line(text, shape, labels, keep)


def _json_line(vals: _Values) -> Line:
    rng = vals.rng
    msg, labels, keep = _fill(rng.choice(_JSON_FREE), vals)
    record: dict[str, Any] = {
        "@timestamp": vals.safe("ts"),
        "log.level": vals.safe("level").lower(),
        "service": vals.safe("svc"),
        "message": msg,
        "trace_id": vals.safe("hex"),
        "order_id": vals.safe("order"),
        "duration_ms": int(vals.safe("int")),
    }
    keep += [record["@timestamp"], record["service"], record["trace_id"], record["order_id"]]
    for key in rng.sample(_JSON_KEYS, rng.randrange(0, 3)):
        entity, value = vals.pii(_KEY_KIND[key])
        record["customer"] = record.get("customer", {})
        record["customer"][key] = value
        labels.append((entity, value, value))
    return _locate(json.dumps(record, ensure_ascii=False), labels, "json", keep)


_SHAPES: list[tuple[str, list[str], float]] = [
    ("text", _TEXT, 0.40),
    ("kv", _KV, 0.15),
    ("access", _ACCESS, 0.12),
    ("traceback", _TRACE, 0.10),
    ("syslog", _SYSLOG, 0.08),
]


def generate(lines: int = 6000, seed: int = 20261127) -> list[Line]:
    """Generate ``lines`` labelled corpus lines, deterministically for ``seed``.

    Args:
        lines: how many lines.
        seed: the seed of every random choice and Faker instance.

    Returns:
        The lines; about 15% are JSON.
    """
    vals = _Values(seed)
    out: list[Line] = []
    for _ in range(lines):
        pick = vals.rng.random()
        for shape, templates, weight in _SHAPES:
            if pick < weight:
                text, labels, keep = _fill(vals.rng.choice(templates), vals)
                out.append(_locate(text, labels, shape, keep))
                break
            pick -= weight
        else:
            out.append(_json_line(vals))
    return out


def write(lines: list[Line], path: Path = DEFAULT_PATH) -> Path:
    """Write ``lines`` as JSON lines to ``path`` (parents created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(asdict(line), ensure_ascii=False) + "\n")
    return path


def load(path: Path = DEFAULT_PATH) -> list[Line]:
    """Read a corpus written by :func:`write`."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            d = json.loads(raw)
            labels = [Label(**lab) for lab in d["labels"]]
            out.append(Line(d["text"], d["shape"], labels, d["keep"]))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__)
    parser.add_argument("--lines", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    path = write(generate(args.lines, args.seed), args.out)
    print(f"wrote {args.lines} lines to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
