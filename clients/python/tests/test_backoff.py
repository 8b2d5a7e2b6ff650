from __future__ import annotations

import random

import pytest

from fedge import Backoff


def test_waits_grow_with_jitter_within_bounds() -> None:
    backoff = Backoff(initial=0.5, maximum=30, multiplier=2, rng=random.Random(7))
    ceilings = [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    for ceiling in ceilings:
        assert backoff.ceiling == ceiling
        for _ in range(1):
            wait = backoff.next()
            assert ceiling / 2 <= wait <= ceiling


@pytest.mark.parametrize("seed", range(20))
def test_every_draw_is_in_half_to_full_ceiling(seed: int) -> None:
    backoff = Backoff(initial=0.1, maximum=5, multiplier=3, rng=random.Random(seed))
    for _ in range(12):
        ceiling = backoff.ceiling
        wait = backoff.next()
        assert ceiling / 2 <= wait <= ceiling <= 5


def test_jitter_spreads_waits() -> None:
    waits = {Backoff(rng=random.Random(seed)).next() for seed in range(50)}
    assert len(waits) > 40
    assert min(waits) >= 0.25 and max(waits) <= 0.5


def test_reset_goes_back_to_initial() -> None:
    backoff = Backoff(initial=1, maximum=60)
    for _ in range(5):
        backoff.next()
    assert backoff.ceiling == 32
    backoff.reset()
    assert backoff.ceiling == 1
    assert 0.5 <= backoff.next() <= 1


def test_huge_attempt_counts_stay_capped() -> None:
    backoff = Backoff(initial=0.5, maximum=30)
    backoff.attempt = 10_000
    assert backoff.ceiling == 30


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(initial=0)
    with pytest.raises(ValueError):
        Backoff(initial=2, maximum=1)
