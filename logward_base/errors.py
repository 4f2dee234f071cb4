"""The one error tree of logward.

Every error logward raises on purpose derives from :class:`LogwardError`::

    LogwardError
    ├── ConfigError          a configuration file, flag or environment value is invalid
    │   └── RuleError        a rules/ or responses file is invalid (names file, rule, field)
    ├── DetectorError        a detector could not be built or run (e.g. NER model missing)
    ├── ScrubError           a rendered report still holds PII, so it is not written
    ├── KeyMaterialError     a secret key is missing, unreadable or malformed
    ├── ParseError           a stream record or quarantine message could not be decoded
    ├── StoreError           the store (SQLite or PostgreSQL) failed or is corrupt
    ├── AuditChainError      the hash-chained audit log does not verify (so nothing is pruned)
    ├── RevokeError          a revoker could not revoke or reinstate an account (``retryable``)
    │   └── DeliveryError    a notify channel could not deliver (``monitor.notify``)
    └── SinkError            an output (Kafka, Elasticsearch) rejected data

Value parsers that do not know where their input came from
(:func:`logward_base.parse_duration`, ``Role.parse``) raise a plain ``ValueError``,
as ``float()`` does; their callers wrap it into a ``ConfigError``/``RuleError``
naming the file, rule and field.

Messages never contain the data being scrubbed: they name files, rules, fields,
entity types and offsets, never values.
"""

from __future__ import annotations

__all__ = [
    "AuditChainError",
    "ConfigError",
    "DetectorError",
    "KeyMaterialError",
    "LogwardError",
    "ParseError",
    "RevokeError",
    "RuleError",
    "ScrubError",
    "SinkError",
    "StoreError",
]


class LogwardError(Exception):
    """Root of every error logward raises on purpose."""


class ConfigError(LogwardError):
    """A configuration file, command-line flag or environment value is invalid."""


class RuleError(ConfigError):
    """A rule file is invalid.

    Args:
        file: the path of the rule file.
        rule: the rule's name, or ``None`` if it could not be read.
        field: the offending field as a dotted path, or ``None`` for the whole rule.
        message: what is wrong, without quoting data values.
    """

    def __init__(self, file: str, rule: str | None, field: str | None, message: str) -> None:
        self.file = file
        self.rule = rule
        self.field = field
        self.message = message
        where = [file]
        if rule is not None:
            where.append(f"rule {rule!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join(where)}: {message}")


class DetectorError(LogwardError):
    """A detector could not be built or run (for example the NER model is missing)."""


class ScrubError(LogwardError):
    """A rendered output still contains PII after scrubbing, so it is not written.

    Raised by ``logward report`` when its final check still finds detector hits.
    The scrubbing engine itself never raises it: it fails closed in place (a
    failed text becomes a placeholder), and the stream sidecar quarantines a
    record whose scrubbing failed with the reason ``"ScrubError"``.
    """


class KeyMaterialError(LogwardError):
    """A secret key (HMAC pseudonym key, AES-256 sealing key) is missing or malformed."""


class ParseError(LogwardError):
    """An input line or record could not be parsed."""


class StoreError(LogwardError):
    """The embedded SQLite store failed or holds data it cannot read."""


class AuditChainError(LogwardError):
    """The hash-chained audit log does not verify."""


class RevokeError(LogwardError):
    """A revoker could not revoke or reinstate an account.

    Args:
        message: what failed, naming the revoker and a status, never data.
        retryable: whether trying again may help (a timeout, HTTP 429 or 5xx,
            a locked store); the responder retries only such errors.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable: bool = retryable


class SinkError(LogwardError):
    """An output (Kafka topic, Elasticsearch, file) rejected data."""
