"""Options every parser accepts, validated once when the parser is built."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from logward_base.errors import ConfigError
from monitor._event import ECS_FIELDS
from monitor.parsers._paths import normalise_login_path

__all__ = ["DEFAULT_FAILURE_STATUSES", "DEFAULT_LOGIN_PATHS", "ParserOptions"]

DEFAULT_LOGIN_PATHS: tuple[str, ...] = (
    "/login",
    "/signin",
    "/admin/login",
    "/api/login",
    "/api/auth",
    "/api/auth/login",
    "/auth/login",
    "/user/login",
    "/users/sign_in",
    "/wp-login.php",
    "/oauth/token",
)
DEFAULT_FAILURE_STATUSES: frozenset[int] = frozenset({401, 403})
_YEAR_RULES = ("reference", "mtime")


def _normalise_path(path: str) -> str:
    return normalise_login_path(path)


@dataclass(frozen=True, slots=True)
class ParserOptions:
    """Options every parser accepts (each parser uses the ones it needs).

    Attributes:
        year_rule: how year-less syslog timestamps get a year. ``"reference"``
            (default): the year of ``reference_time``; ``"mtime"``: the year of
            the file's modification time; an ``int``: that fixed year. With
            ``"reference"`` and ``"mtime"``, a time more than one day after
            the reference falls back to the previous year.
        reference_time: epoch seconds used by ``year_rule="reference"``
            (default: the time the parser was built).
        tz: IANA zone name for timestamps written without an offset
            (default: UTC).
        login_paths: URL paths that are login endpoints (exact match after
            dropping a trailing ``/``; an entry ending in ``*`` is a prefix).
        failure_statuses: HTTP statuses that mean a failed login at a login
            path (default 401 and 403).
        field_map: for the ``json`` format, input field (dotted path) ->
            ECS field name.
        scrub: ``Callable[[str], str]`` applied to free text before it is kept.
        mode: which failure forms the parser reports, as fail2ban's filter
            ``mode`` (see each parser's ``modes``; default: its widest mode).
    """

    year_rule: int | str = "reference"
    reference_time: float | None = None
    tz: str | None = None
    login_paths: tuple[str, ...] = DEFAULT_LOGIN_PATHS
    failure_statuses: frozenset[int] = DEFAULT_FAILURE_STATUSES
    field_map: tuple[tuple[str, str], ...] = ()
    scrub: Callable[[str], str] | None = None
    mode: str | None = None
    login_exact: frozenset[str] = field(default=frozenset(), repr=False)
    login_prefixes: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def from_kwargs(cls, options: Mapping[str, Any]) -> ParserOptions:
        """Validate keyword options once.

        Raises:
            ConfigError: an option is unknown or has the wrong type or value.
        """
        known = {"year_rule", "reference_time", "tz", "login_paths", "failure_statuses"}
        known |= {"field_map", "scrub", "mode"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"unknown parser option(s): {', '.join(unknown)}")
        year_rule = options.get("year_rule")
        if year_rule is None:
            year_rule = "reference"
        if isinstance(year_rule, bool) or not isinstance(year_rule, int | str):
            raise ConfigError("parser option year_rule: expected 'reference', 'mtime' or a year")
        if isinstance(year_rule, str) and year_rule not in _YEAR_RULES:
            raise ConfigError("parser option year_rule: expected 'reference', 'mtime' or a year")
        if isinstance(year_rule, int) and not 1970 <= year_rule <= 9999:
            raise ConfigError("parser option year_rule: year out of range 1970-9999")
        reference = options.get("reference_time")
        if reference is not None and not isinstance(reference, int | float):
            raise ConfigError("parser option reference_time: expected epoch seconds")
        tz = options.get("tz")
        if tz is not None:
            _check_tz(tz)
        paths = _login_paths(options.get("login_paths"))
        statuses = _statuses(options.get("failure_statuses"))
        field_map = _field_map(options.get("field_map"))
        scrub = options.get("scrub")
        if scrub is not None and not callable(scrub):
            raise ConfigError("parser option scrub: expected a callable str -> str")
        mode = options.get("mode")
        if mode is not None and not isinstance(mode, str):
            raise ConfigError("parser option mode: expected a mode name")
        exact = frozenset(_normalise_path(p) for p in paths if not p.endswith("*"))
        prefixes = tuple(normalise_login_path(p[:-1]).rstrip("/") for p in paths if p.endswith("*"))
        return cls(
            year_rule=year_rule,
            reference_time=float(reference) if reference is not None else None,
            tz=tz,
            login_paths=paths,
            failure_statuses=statuses,
            field_map=field_map,
            scrub=scrub,
            mode=mode,
            login_exact=exact,
            login_prefixes=prefixes,
        )

    def is_login_path(self, path: str) -> bool:
        """Return whether ``path`` (without query) is a configured login endpoint.

        The path is normalised first (:func:`normalise_login_path`), so
        ``/%6cogin``, ``//login``, ``/LOGIN``, ``/./login``, ``/login;x`` and
        ``http://shop/login`` all name ``/login``.
        """
        if path in self.login_exact:
            return True
        norm = normalise_login_path(path)
        if norm in self.login_exact:
            return True
        return bool(self.login_prefixes) and norm.startswith(self.login_prefixes)


def _check_tz(tz: object) -> None:
    if not isinstance(tz, str):
        raise ConfigError("parser option tz: expected an IANA zone name")
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError) as exc:
        raise ConfigError(f"parser option tz: unknown time zone {tz!r}") from exc


def _login_paths(value: object) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_LOGIN_PATHS
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError("parser option login_paths: expected a list of paths")
    paths = tuple(value)
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ConfigError("parser option login_paths: every path must start with '/'")
    return paths


def _statuses(value: object) -> frozenset[int]:
    if value is None:
        return DEFAULT_FAILURE_STATUSES
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError("parser option failure_statuses: expected a list of HTTP statuses")
    statuses = frozenset(value)
    for status in statuses:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ConfigError("parser option failure_statuses: statuses must be 100-599")
    return statuses


def _field_map(value: object) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ConfigError("parser option field_map: expected a mapping input field -> ECS field")
    pairs = []
    for source, target in value.items():
        if not isinstance(source, str) or not source:
            raise ConfigError("parser option field_map: input field names must be strings")
        if target not in ECS_FIELDS:
            raise ConfigError(f"parser option field_map: {source!r} maps to unknown ECS field")
        pairs.append((source, str(target)))
    return tuple(pairs)
