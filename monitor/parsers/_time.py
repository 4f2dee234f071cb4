"""Fast timestamp conversion for log lines, with per-second caches.

Log lines repeat the same second many times, so each distinct timestamp text
(without its fraction) is converted once and cached; digits are sliced by
position instead of going through ``datetime.strptime``.

Year-less syslog timestamps (``Jan  5 01:31:41``) get a year by this rule:

* ``year_rule="reference"`` (default): the year of the reference time
  (``reference_time``, default the time the parser was built);
* ``year_rule="mtime"``: the year of the file's modification time (the
  reference time when there is no file or it cannot be read);
* ``year_rule=<int>``: that year, always.

For the first two, if the resulting time is more than one day after the
reference, the previous year is used instead (a log read in January that
still holds December lines). Times without an offset are in ``tz`` (an IANA
zone name) if given, else UTC.
"""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

__all__ = ["MONTHS", "TimeConverter"]

MONTHS = {
    name: index
    for index, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAY = 86400.0
_CACHE_MAX = 65536


class TimeConverter:
    """Convert timestamp texts to epoch seconds (UTC), caching per distinct second.

    Args:
        year_rule: ``"reference"``, ``"mtime"`` or a fixed year (see module doc).
        reference_time: epoch seconds for ``"reference"``; default now.
        tz: IANA zone for times without an offset; default UTC.
    """

    def __init__(
        self,
        year_rule: int | str = "reference",
        reference_time: float | None = None,
        tz: str | None = None,
    ) -> None:
        self._year_rule = year_rule
        self._reference = time.time() if reference_time is None else reference_time
        self._zone: tzinfo | None = ZoneInfo(tz) if tz else None
        self._cache: dict[tuple[str, str | None], float] = {}
        self._bsd_cache: dict[str, float] = {}
        self._clf_cache: dict[str, float] = {}
        self._bsd_file: str | None = None
        self._bsd_ref = self._reference

    @property
    def reference(self) -> float:
        """The reference time (epoch seconds) of the year rule."""
        return self._reference

    def _naive(self, year: int, month: int, day: int, hms: tuple[int, int, int]) -> float:
        if self._zone is None:
            return float(calendar.timegm((year, month, day, hms[0], hms[1], hms[2], 0, 0, 0)))
        moment = datetime(year, month, day, hms[0], hms[1], hms[2], tzinfo=self._zone)
        return moment.timestamp()

    def _reference_for(self, file: str | None) -> float:
        if self._year_rule == "mtime" and file:
            try:
                return Path(file).stat().st_mtime
            except OSError:
                return self._reference
        return self._reference

    def bsd(self, stamp: str, file: str | None = None) -> float:
        """Convert ``Mon DD HH:MM:SS`` (day space- or zero-padded, or one digit).

        Raises:
            ValueError: the text is not such a timestamp.
        """
        if file != self._bsd_file:
            self._bsd_file = file
            ref = self._reference_for(file)
            if ref != self._bsd_ref:
                self._bsd_ref = ref
                self._bsd_cache.clear()
        cached = self._bsd_cache.get(stamp)
        if cached is not None:
            return cached
        month = MONTHS[stamp[:3]]
        day_text, clock = stamp[4:].split()
        hms = (int(clock[0:2]), int(clock[3:5]), int(clock[6:8]))
        day = int(day_text)
        if isinstance(self._year_rule, int):
            value = self._naive(self._year_rule, month, day, hms)
        else:
            ref = self._bsd_ref
            year = time.gmtime(ref).tm_year
            try:
                value = self._naive(year, month, day, hms)
            except ValueError:  # Feb 29 in a common year
                value = ref + 2 * _DAY
            if value > ref + _DAY:
                value = self._naive(year - 1, month, day, hms)
        if len(self._bsd_cache) >= _CACHE_MAX:
            self._bsd_cache.clear()
        self._bsd_cache[stamp] = value
        return value

    def ymd(self, base: str, offset: str | None = None) -> float:
        """Convert ``YYYY-MM-DD?HH:MM:SS`` (any separators at fixed positions).

        Args:
            base: the 19 characters up to the seconds.
            offset: ``Z``, ``+HH:MM``, ``+HHMM`` or ``None`` (then ``tz``/UTC).

        Raises:
            ValueError: the text is not such a timestamp.
        """
        key = (base, offset)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        year, month, day = int(base[0:4]), int(base[5:7]), int(base[8:10])
        hms = (int(base[11:13]), int(base[14:16]), int(base[17:19]))
        value = self._with_offset(year, month, day, hms, offset)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[key] = value
        return value

    def _with_offset(
        self, year: int, month: int, day: int, hms: tuple[int, int, int], offset: str | None
    ) -> float:
        if not offset:
            return self._naive(year, month, day, hms)
        utc = float(calendar.timegm((year, month, day, hms[0], hms[1], hms[2], 0, 0, 0)))
        if offset in ("Z", "z"):
            return utc
        digits = offset[1:].replace(":", "")
        if len(digits) != 4 or not digits.isdigit() or offset[0] not in "+-":
            raise ValueError("bad UTC offset")
        seconds = int(digits[:2]) * 3600 + int(digits[2:]) * 60
        return utc - seconds if offset[0] == "+" else utc + seconds

    def clf(self, stamp: str) -> float:
        """Convert the access-log time ``10/Oct/2000:13:55:36 -0700`` (offset optional).

        Raises:
            ValueError: the text is not such a timestamp.
        """
        cached = self._clf_cache.get(stamp)
        if cached is not None:
            return cached
        day, month, year = int(stamp[0:2]), MONTHS[stamp[3:6]], int(stamp[7:11])
        hms = (int(stamp[12:14]), int(stamp[15:17]), int(stamp[18:20]))
        offset = stamp[21:].strip() or None
        value = self._with_offset(year, month, day, hms, offset)
        if len(self._clf_cache) >= _CACHE_MAX:
            self._clf_cache.clear()
        self._clf_cache[stamp] = value
        return value

    def ctime(self, stamp: str) -> float:
        """Convert Apache's error-log time ``Jul 17 22:18:52 2013`` (no weekday, no fraction).

        Raises:
            ValueError: the text is not such a timestamp.
        """
        key = (stamp, "ctime")
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        month_text, day_text, clock, year_text = stamp.split()
        hms = (int(clock[0:2]), int(clock[3:5]), int(clock[6:8]))
        value = self._naive(int(year_text), MONTHS[month_text], int(day_text), hms)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[key] = value
        return value

    def iso(self, text: str) -> float:
        """Convert a full ISO 8601 time (fraction and offset optional).

        Raises:
            ValueError: the text is not ISO 8601.
        """
        if len(text) < 19 or text[4] != "-" or text[13] != ":":
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self._zone or UTC)
            return moment.timestamp()
        base, rest = text[:19], text[19:]
        fraction = 0.0
        if rest[:1] in (".", ","):
            after = rest[1:].lstrip("0123456789")
            digits = rest[1 : len(rest) - len(after)]
            fraction = float("0." + digits) if digits else 0.0
            rest = after
        return self.ymd(base, rest or None) + fraction
