"""``ScrubbingFilter``: the stdlib-logging adapter over the engine.

Attach it to *handlers* (``scrubber.install()`` does): a filter on a logger only
sees records logged on that very logger, never those propagated from its
children (``logging.getLogger("app.db")`` records skip the filters of
``logging.getLogger("app")`` and of the root logger).

Everything in a ``LogRecord`` that can carry PII is scrubbed in place:

* the message: ``msg % args`` is formatted once, scrubbed, stored in ``msg``,
  and ``args`` is cleared (a dict ``msg`` stays a dict, scrubbed key by key);
* every ``extra=`` attribute, nested dicts/lists included (objects become their
  scrubbed ``str()``);
* ``exc_info``: replaced by a surrogate whose message, notes and chained causes
  are scrubbed (for formatters such as ecs-logging that read ``exc_info``), and
  ``exc_text`` is pre-set to the scrubbed formatted traceback (for
  ``logging.Formatter``, which prints ``exc_text`` when it is set);
* ``exc_text``, ``stack_info`` and an already formatted ``message``.

It fails closed: on any error the message becomes ``FAILED_PLACEHOLDER`` and the
other fields are blanked, a failure is counted, and the log call never raises.
It is idempotent: a record passing through several handlers that share one
engine is scrubbed once (the cleared ``args`` carries a per-engine marker).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import Counter
from typing import Any

from mypy_extensions import mypyc_attr

import scrubber as package  # resolved at call time: get_default_scrubber may be replaced
from scrubber._adapt import (
    MAX_CACHED_LEN,
    extra_cache_key,
    format_failure,
    put_unique,
    scrub_exception,
)
from scrubber._engine import FAILED_PLACEHOLDER, Scrubber
from scrubber._records import (
    CLEAN_NAMES_LIMIT,
    FRESH_KEYS,
    FRESH_LEN,
    NAME_ATTRS,
    NAME_MAY_HOLD_PII,
    NOT_EXTRA,
    SAFE_KEYS,
    ScrubbedArgs,
    blank_record,
    filter_state,
    is_safe_key,
    mark_for,
)
from scrubber._structured import _BIG_INT

__all__ = ["ScrubbingFilter"]


@mypyc_attr(allow_interpreted_subclasses=True)
class ScrubbingFilter(logging.Filter):
    """A ``logging.Filter`` that scrubs PII from records in place; it never drops one.

    Usable from ``logging.config.dictConfig``::

        "filters": {"scrub": {"()": "scrubber.ScrubbingFilter", "ner": False}}

    Args:
        scrubber: the engine; ``None`` means ``get_default_scrubber()`` (or
            ``load_scrubber`` with the options below), resolved at the first record.
        name: as for ``logging.Filter``: when set, records of other loggers are
            rejected (dropped). Leave it empty to scrub and pass every record.
        rules_dir: a rules directory for ``load_scrubber`` (implies a private engine).
        ner: turn on the NER tier (slow; off by default for logging).
        ner_model: the spaCy model package name or path for the NER tier.
        cache_size: how many distinct formatted messages to remember.
    """

    def __init__(
        self,
        scrubber: Scrubber | None = None,
        *,
        name: str = "",
        rules_dir: str | os.PathLike[str] | None = None,
        ner: bool = False,
        ner_model: str | None = None,
        cache_size: int = 4096,
    ) -> None:
        super().__init__(name)
        self._scrubber = scrubber
        self._rules_dir = rules_dir
        self._ner = ner
        self._ner_model = ner_model
        self._cache_size = cache_size
        # Keyed by hash(), so that no raw value is kept alive by the caches (a
        # 64-bit collision would print another scrubbed text, never a raw one).
        self._cache: dict[int, tuple[str, Counter[str] | None]] = {}
        self._old_cache: dict[int, tuple[str, Counter[str] | None]] = {}
        self._generation = max(1, cache_size // 2)
        self._extra_cache: dict[int, tuple[Any, Counter[str]]] = {}
        self._clean_keys: set[Any] = set()
        self._names: dict[str, str] = {}
        self._clean_names: set[tuple[Any, ...]] = set()
        # the last names tuple found clean: its objects recur (a logger's and a
        # thread's names are the same str objects on every record), so most records
        # are recognised by identity, without hashing
        self._last_clean_names: tuple[Any, ...] = (_NO_NAME,) * len(NAME_ATTRS)
        self._lock = threading.Lock()
        self._mark: ScrubbedArgs | None = None
        # whether the engine's scrub_text / scrub_value are Scrubber's own (else a
        # subclass's override stays the one entry point); set with _mark
        self._own_text = True
        self._own_value = True

    @property
    def scrubber(self) -> Scrubber:
        """The engine, loaded on first use (never at construction or import)."""
        if self._scrubber is None:
            with self._lock:
                if self._scrubber is None:
                    self._scrubber = self._load()
        return self._scrubber

    def _load(self) -> Scrubber:
        if self._rules_dir is None and not self._ner and self._ner_model is None:
            return package.get_default_scrubber()
        return package.load_scrubber(self._rules_dir, ner=self._ner, ner_model=self._ner_model)

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place.

        Args:
            record: the record; mutated.

        Returns:
            ``False`` only when ``name`` is set and does not match (as
            ``logging.Filter``); otherwise ``True``: scrubbing never drops a record.
        """
        if self.name and not super().filter(record):
            return False
        if getattr(filter_state, "busy", False):
            # The engine itself logged while scrubbing: never risk a loop.
            blank_record(record)
            return True
        mark = self._mark
        engine = self._scrubber
        if mark is not None and engine is not None:
            try:
                args = record.args
                if args is mark:
                    return True
                if not args and self._scrub_cached(engine, record, mark):
                    return True
            except Exception:
                blank_record(record)
                engine.stats.add_failure()
                return True
        filter_state.busy = True
        engine = self._scrubber
        try:
            if engine is None:
                engine = self.scrubber
            mark = self._mark
            if mark is None:
                self._own_text = type(engine).scrub_text is _ENGINE_SCRUB_TEXT
                self._own_value = type(engine).scrub_value is _ENGINE_SCRUB_VALUE
                mark = self._mark = mark_for(engine)
            if record.args is not mark:
                self._scrub(engine, record)
                record.args = mark
        except Exception:
            blank_record(record)
            if engine is not None:
                engine.stats.add_failure()
        finally:
            filter_state.busy = False
        return True

    def _scrub_cached(
        self, engine: Scrubber, record: logging.LogRecord, mark: ScrubbedArgs
    ) -> bool:
        """The common record, all from the caches without calling the engine, or ``False``.

        A constant ``str`` message (the caller checked that ``args`` is empty) already
        scrubbed, no ``extra=``, no exception or stack, logger and thread names known
        clean: the record becomes exactly what :meth:`_scrub` makes of it. Anything
        else is left to :meth:`_scrub`.
        """
        msg = record.msg
        if type(msg) is not str:
            return False
        attrs = record.__dict__
        # exact keys, not their number: a deleted standard attribute must not hide an extra
        if list(attrs) != FRESH_KEYS or record.exc_info or record.exc_text or record.stack_info:
            return False
        cached = self._cache.get(hash(msg))
        if cached is None or not self._names_clean(attrs):
            return False
        record.msg = cached[0]
        record.args = mark
        if cached[1]:
            engine.stats.add(cached[1])
        return True

    def _scrub(self, engine: Scrubber, record: logging.LogRecord) -> None:
        msg = record.msg
        args = record.args
        if args:
            try:
                text = (msg if type(msg) is str else str(msg)) % args
            except Exception as exc:
                text = format_failure(msg, args, exc)
            record.msg = self._scrub_message(engine, text)
        elif type(msg) is str:
            record.msg = self._scrub_message(engine, msg)
        elif isinstance(msg, dict):
            record.msg = engine.scrub_mapping(msg)
        else:
            record.msg = self._scrub_message(engine, str(msg))
        record.args = None

        attrs = record.__dict__
        if not self._names_clean(attrs):
            names = _names_of(attrs)
            if self._scrub_names(engine, attrs):
                clean_names = self._clean_names
                if len(clean_names) >= CLEAN_NAMES_LIMIT:
                    clean_names.clear()
                with contextlib.suppress(TypeError):  # unhashable: not remembered
                    clean_names.add(names)
                    self._last_clean_names = names
        if list(attrs) != FRESH_KEYS:  # any key but the standard ones, in their order
            self._scrub_extras(engine, record, attrs)

        if record.exc_info or record.exc_text or record.stack_info:
            scrub_exception(engine, record)

    def _scrub_extras(
        self, engine: Scrubber, record: logging.LogRecord, attrs: dict[str, Any]
    ) -> None:
        """Scrub every ``extra=`` attribute (name and value) and a formatted ``message``."""
        if "message" in attrs:
            attrs["message"] = record.getMessage()
        keys = list(attrs)
        if keys[:FRESH_LEN] == FRESH_KEYS:
            del keys[:FRESH_LEN]  # the standard attributes come first: skip them at once
        clean_keys = self._clean_keys
        for key in keys:
            if key in NOT_EXTRA:
                continue
            value = self._scrub_extra(engine, key, attrs[key])
            new_key = (
                key
                if key in SAFE_KEYS or is_safe_key(key) or key in clean_keys
                else self._scrub_key(engine, key)
            )
            if new_key == key:
                attrs[key] = value
            else:  # JSON formatters print the attribute names of extras too
                del attrs[key]
                put_unique(attrs, new_key, value)

    def _scrub_names(self, engine: Scrubber, attrs: dict[str, Any]) -> bool:
        """Scrub the logger, thread, process and task names (few distinct values: cached).

        Returns:
            Whether every name was kept as it was.
        """
        names = self._names
        kept = True
        for attr in NAME_ATTRS:
            value = attrs.get(attr)
            if type(value) is not str:
                continue
            clean = names.get(value)
            if clean is None:
                clean = engine.scrub_text(value) if NAME_MAY_HOLD_PII(value) else value
                if len(names) >= self._cache_size:
                    names.clear()
                names[value] = clean
            if clean != value:
                attrs[attr] = clean
                kept = False
        return kept

    def _names_clean(self, attrs: dict[str, Any]) -> bool:
        """Whether a record's (logger, thread, process, task) names were all kept before."""
        last = self._last_clean_names
        for index, attr in enumerate(NAME_ATTRS):
            if attrs.get(attr) is not last[index]:
                break
        else:
            return True  # the very objects of the last clean names
        names = _names_of(attrs)
        try:
            if names not in self._clean_names:
                return False
        except TypeError:  # an unhashable name (a custom record factory): not known
            return False
        self._last_clean_names = names
        return True

    def _scrub_message(self, engine: Scrubber, text: str) -> str:
        """Scrub a formatted message, remembering recent results (messages repeat)."""
        digest = hash(text)
        cached = self._cache.get(digest)
        if cached is None:
            cached = self._old_cache.get(digest)
            if cached is not None:  # still in use: kept past the next turnover
                self._remember(digest, cached)
        if cached is not None:
            if cached[1]:
                engine.stats.add(cached[1])
            return cached[0]
        result, counts = _scrub_counted(engine, text, self._own_text)
        if len(text) <= MAX_CACHED_LEN and result != FAILED_PLACEHOLDER:
            self._remember(digest, (result, counts))
        return result

    def _remember(self, digest: int, entry: tuple[str, Counter[str] | None]) -> None:
        """Cache a scrubbed message in two generations of ``cache_size / 2`` each.

        When the young one is full it becomes the old one (the older is dropped):
        messages seen in either stay cached, so a turnover does not send every
        constant message back to the engine as clearing a single cache would.
        """
        cache = self._cache
        if len(cache) >= self._generation:
            self._old_cache = cache
            cache = self._cache = {}
        cache[digest] = entry

    def _scrub_key(self, engine: Scrubber, key: Any) -> Any:
        """Scrub the name of an ``extra`` attribute as ``scrub_mapping`` scrubs keys."""
        scrubbed = next(iter(engine.scrub_mapping({key: None})))
        if scrubbed == key:
            with self._lock:
                if len(self._clean_keys) >= self._cache_size:
                    self._clean_keys.clear()
                self._clean_keys.add(key)
        return scrubbed

    def _scrub_extra(self, engine: Scrubber, key: str, value: Any) -> Any:
        """Scrub one ``extra`` value; small scalar values and flat dicts are cached."""
        kind = type(value)
        if not self._own_value:
            pass  # a subclass's scrub_value stays the one entry point
        elif value is None or kind is bool:
            return value  # as scrub_value: they carry no PII, whatever the key
        elif (kind is int or kind is float) and engine.key_matcher.entity_for(key) is None:
            # As scrub_value, without its per-call allocations: floats and small ints
            # are kept; big ints are scrubbed as text (card and phone numbers).
            if kind is float or -_BIG_INT < value < _BIG_INT:
                return value
            text = str(value)
            scrubbed, _ = _scrub_counted(engine, text, self._own_text)
            return value if scrubbed == text else scrubbed
        cache_key = extra_cache_key(key, value)
        if cache_key is None:
            return engine.scrub_value(value, key)
        digest = hash(cache_key)
        cached = self._extra_cache.get(digest)
        if cached is None:
            counts: Counter[str] = Counter()
            result = engine.scrub_value(value, key, counts)
            if result == FAILED_PLACEHOLDER:
                return result
            if len(self._extra_cache) >= self._cache_size:
                self._extra_cache.clear()
            cached = self._extra_cache[digest] = (result, counts)
        elif cached[1]:
            engine.stats.add(cached[1])
        result = cached[0]
        return dict(result) if type(result) is dict else result


_NO_NAME = object()  # in no record: the initial "last clean names" matches none


def _names_of(attrs: dict[str, Any]) -> tuple[Any, ...]:
    """A record's logger, thread, process and task names (``NAME_ATTRS``), as a key."""
    return tuple([attrs.get(attr) for attr in NAME_ATTRS])


_ENGINE_SCRUB_TEXT = Scrubber.scrub_text
_ENGINE_SCRUB_VALUE = Scrubber.scrub_value


def _scrub_counted(engine: Scrubber, text: str, own: bool) -> tuple[str, Counter[str] | None]:
    """``engine.scrub_text(text)`` (stats included), also returning its counts.

    Uses the allocation-free ``scrub_text_counted`` unless a subclass of the
    engine overrides ``scrub_text``, which then stays the one entry point.
    """
    if own:
        result, counts = engine.scrub_text_counted(text)
        if counts:
            engine.stats.add(counts)
        return result, counts
    counted: Counter[str] = Counter()
    return engine.scrub_text(text, counted), counted or None
