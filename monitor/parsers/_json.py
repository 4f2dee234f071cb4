"""JSON lines in ECS (what ecs-logging and logward's own logging write), or any shape.

ECS fields are read from dotted keys (``"source.ip"``), nested objects
(``{"source": {"ip": ...}}``) or a mix of both. ``field_map`` maps other
shapes: input field (dotted path) -> ECS name, e.g. ``{"ip": "source.ip",
"user": "user.name", "ts": "@timestamp"}``; mapped fields win over ECS ones.

``@timestamp`` may be ISO 8601 (offset optional; naive means ``tz``/UTC),
epoch seconds, or epoch milliseconds (numbers above 10^11 are taken as ms),
as a number or a numeric string. A record without a usable time is
unparseable. ``event.category`` may be a list (ECS allows several): the first
of authentication, iam, web, network, session present is used. Records
without ``event.category`` that look like HTTP requests are classified as the
``combined`` format does (login paths).
``url.original`` is split into path and query when those are missing.
``source.ip`` must be exactly one address (``0.0.0.0/0``, ``::/0``, lists and
garbage are dropped from the event and counted as suspicious). Every
free-text field is scrubbed before it is kept (see :mod:`monitor.parsers._base`).
"""

from __future__ import annotations

from typing import Any

from monitor._event import ECS_FIELDS, AccessEvent
from monitor.parsers._base import Parser, Unparseable
from monitor.parsers._fields import (
    classify_http,
    loads_json,
    one_address,
    split_host,
    split_target,
)
from monitor.parsers._time import TimeConverter

__all__ = ["JsonParser"]

_MS_THRESHOLD = 1e11
# When ECS lists several categories, the first of these that is present wins.
_CATEGORIES = ("authentication", "iam", "web", "network", "session")
_OUTCOMES = ("success", "failure", "unknown")
_READ = tuple(name for name in ECS_FIELDS if name not in ("log.file.path", "line"))
_EXTRA = ("url.original", "client.ip", "client.address", "source.address")


def _flatten(
    record: dict[str, Any], prefix: str = "", out: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return ``record`` with nested objects as dotted keys (dotted and nested forms mix)."""
    flat: dict[str, Any] = {} if out is None else out
    for key, value in record.items():
        name = prefix + key
        if isinstance(value, dict):
            _flatten(value, name + ".", flat)
        else:
            flat[name] = value
    return flat


def _text(value: Any) -> str | None:
    if value.__class__ is str:
        return value or None
    if value is None or isinstance(value, dict | list):
        return None
    return str(value) or None


class JsonParser(Parser):
    """Parse JSON lines (see the module docstring)."""

    format = "json"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        self._time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)
        self._mapped = {target: source for source, target in opts.field_map}

    def _get(self, flat: dict[str, Any], name: str) -> Any:
        source = self._mapped.get(name)
        if source is not None:
            value = flat.get(source)
            if value is not None:
                return value
        return flat.get(name)

    def _timestamp(self, value: Any) -> float:
        if isinstance(value, bool):
            raise Unparseable
        if isinstance(value, str):
            stripped = value.strip()
            try:
                value = float(stripped)
            except ValueError:
                try:
                    return self._time.iso(stripped)
                except ValueError as exc:
                    raise Unparseable from exc
        if isinstance(value, int | float):
            number = float(value)
            return number / 1000.0 if abs(number) >= _MS_THRESHOLD else number
        raise Unparseable

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        stripped = line.strip()
        if not stripped:
            return None
        try:
            record = loads_json(stripped)
        except ValueError as exc:
            raise Unparseable from exc
        if not isinstance(record, dict):
            raise Unparseable
        record = _flatten(record)
        if self._mapped:
            fields = {name: self._get(record, name) for name in _READ}
        else:
            get = record.get
            fields = {name: get(name) for name in _READ}
        if fields["@timestamp"] is None:
            raise Unparseable
        ts = self._timestamp(fields["@timestamp"])
        ip = _text(fields["source.ip"])
        domain = _text(fields["source.domain"])
        if ip is None:
            address = next(
                (a for a in (_text(self._get(record, n)) for n in _EXTRA[1:]) if a), None
            )
            if address is not None:
                ip, found_domain = split_host(address)
                domain = domain or found_domain
                if ip is None and found_domain is None:
                    self.stats.suspicious += 1
        else:
            checked = one_address(ip)
            if checked is None:  # a network, a list or garbage is not one address
                self.stats.suspicious += 1
            ip = checked
        path = _text(fields["url.path"])
        query = _text(fields["url.query"])
        original = _text(self._get(record, "url.original"))
        if path is None and original is not None:
            path, found_query = split_target(original)
            query = query if query is not None else found_query
        status = fields["http.response.status_code"]
        try:
            status = int(status) if status is not None and not isinstance(status, bool) else None
        except (TypeError, ValueError):
            status = None
        method = _text(fields["http.request.method"])
        user = _text(fields["user.name"])
        category = fields["event.category"]
        if isinstance(category, list):
            category = next((c for c in _CATEGORIES if c in category), None) or (
                category[0] if category else None
            )
        category = _text(category)
        action = _text(fields["event.action"])
        outcome = _text(fields["event.outcome"])
        if category is None:
            if path is not None or status is not None:
                category, http_action, http_outcome = classify_http(
                    self.options, method, path, status, user
                )
                action = action or http_action
                outcome = outcome or http_outcome
            else:
                category = "authentication" if outcome in ("success", "failure") else "web"
        if outcome not in _OUTCOMES:
            outcome = "unknown"
        count = fields["event.count"]
        count = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
        return AccessEvent(
            timestamp=ts,
            category=category,
            action=action or "unknown",
            outcome=outcome,
            user_name=user,
            user_id=_text(fields["user.id"]),
            source_ip=ip,
            source_domain=domain,
            user_agent=_text(fields["user_agent.original"]),
            http_method=method,
            url_path=path,
            url_query=query,
            status_code=status,
            service_name=_text(fields["service.name"]),
            host_name=_text(fields["host.name"]),
            count=count,
            file=file,
            line=line_no,
        )
