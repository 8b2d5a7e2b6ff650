"""Exponential backoff with jitter, as in FedgeCore/Backoff.swift."""

from __future__ import annotations

import random

__all__ = ["Backoff"]


class Backoff:
    """Exponential backoff with jitter: :meth:`next` gives the wait, in seconds, before the next attempt.

    The wait for attempt *n* (from 0) is drawn uniformly from ``[c/2, c]``, where the ceiling
    ``c = min(initial × multiplierⁿ, maximum)``; :meth:`reset` goes back to the first attempt (after a connection
    that worked).
    """

    def __init__(
        self,
        initial: float = 0.5,
        maximum: float = 30.0,
        multiplier: float = 2.0,
        *,
        rng: random.Random | None = None,
    ) -> None:
        if not (initial > 0 and maximum >= initial and multiplier >= 1):
            raise ValueError("backoff needs 0 < initial <= maximum and multiplier >= 1")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.attempt = 0
        self._rng = rng if rng is not None else random.Random()

    @property
    def ceiling(self) -> float:
        """The longest wait of the current attempt: initial × multiplierⁿ, capped at the maximum."""
        factor = self.multiplier ** min(self.attempt, 60)
        return min(self.initial * factor, self.maximum)

    def next(self) -> float:
        """A wait drawn uniformly from [ceiling/2, ceiling], then one step up."""
        ceiling = self.ceiling
        self.attempt += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Back to the initial wait."""
        self.attempt = 0
