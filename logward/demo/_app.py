"""A small marketplace application that logs PII, through the scrubber.

It logs with the standard library (``scrubber.ScrubbingFilter`` on a JSON-lines
file handler) and with structlog (``scrubber.scrub_processor``), with PII in
messages, ``extra`` fields and exceptions. Only scrubbed lines reach the files.
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from logward.demo._data import ADDRESSES, CARDS, CUSTOMERS, IBANS, PHONES, email_of
from scrubber import Scrubber, ScrubbingFilter

__all__ = ["JsonLineFormatter", "run_app"]

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record, ECS-style keys, ``extra`` fields kept."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "@timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "log.level": record.levelname.lower(),
            "log.logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["error.stack_trace"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["error.stack_trace"] = record.exc_text
        return json.dumps(doc, default=str)


class PaymentDeclined(Exception):
    """Raised by the fake payment step (its message carries PII, on purpose)."""


def _charge(card: str, customer: str) -> None:
    raise PaymentDeclined(f"card {card} declined for {customer}")


def run_app(log_dir: Path, scrubber: Scrubber, orders: int, seed: int = 7) -> Counter[str]:
    """Log ``orders`` orders' worth of lines via logging and structlog; return redactions.

    Args:
        log_dir: where ``app.jsonl`` (stdlib logging) and ``app-structlog.jsonl`` go.
        scrubber: the engine both adapters use.
        orders: how many fake orders to process.
        seed: for repeatable output.
    """
    import structlog  # optional dependency: the 'structlog' extra

    from scrubber import StructlogScrubber

    rng = random.Random(seed)
    log_dir.mkdir(parents=True, exist_ok=True)
    before = Counter(scrubber.stats.snapshot())

    handler = logging.FileHandler(log_dir / "app.jsonl", encoding="utf-8")
    handler.setFormatter(JsonLineFormatter())
    handler.addFilter(ScrubbingFilter(scrubber=scrubber))
    log = logging.getLogger("logward.demo.shop")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)

    stream: TextIO = (log_dir / "app-structlog.jsonl").open("a", encoding="utf-8")
    slog = structlog.wrap_logger(
        structlog.WriteLogger(stream),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            StructlogScrubber(scrubber),
            structlog.processors.JSONRenderer(),
        ],
    )
    try:
        for n in range(orders):
            customer = rng.choice(CUSTOMERS)
            email, phone = email_of(customer), rng.choice(PHONES)
            card, address = rng.choice(CARDS), rng.choice(ADDRESSES)
            order_id = f"ord-{100000 + n}"
            log.info("order %s placed by %s <%s>", order_id, customer, email)
            log.info(
                "shipping label printed",
                extra={"order_id": order_id, "ship_to": address, "phone": phone},
            )
            slog.info("payment.authorised", order_id=order_id, card=card, customer_email=email)
            if n % 5 == 0:
                try:
                    _charge(card, customer)
                except PaymentDeclined:
                    log.exception("payment failed for order %s", order_id)
                    try:
                        _charge(card, customer)
                    except PaymentDeclined:
                        slog.exception("payment.retry_failed", order_id=order_id)
            if n % 7 == 0:
                log.warning(
                    "refund to %s requested by %s, call back on %s",
                    rng.choice(IBANS),
                    customer,
                    phone,
                )
    finally:
        log.removeHandler(handler)
        handler.close()
        stream.close()
    after = Counter(scrubber.stats.snapshot())
    after.subtract(before)
    return +after
