"""Event routing shared by evaluators whose only filter is the rule's ``match``.

The engine asks each evaluator once per (category, outcome) for a handler:
``None`` when the rule can never match such events, ``count`` when the route
alone decides the match, ``process`` (test the event, then count) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor._alert import Alert
from monitor._event import AccessEvent
from monitor.detect._match import Condition

__all__ = ["MatchRouted"]


class MatchRouted:
    """Mixin: ``route`` and ``process`` over ``self._match`` and ``self.count``."""

    __slots__ = ()
    _match: Condition

    def route(self, category: str, outcome: str) -> Callable[[AccessEvent], Alert | None] | None:
        """The handler for events of this category and outcome (None: never matches)."""
        decided = self._match.decide(category, outcome)
        if decided is False:
            return None
        return self.count if decided else self.process

    def process(self, ev: AccessEvent) -> Alert | None:
        """Account one event if it matches the rule; return an Alert if one fires."""
        if not self._match.test(ev):
            return None
        return self.count(ev)

    def count(self, ev: AccessEvent) -> Alert | None:
        """Account an event already known to match (each evaluator defines it)."""
        raise NotImplementedError
