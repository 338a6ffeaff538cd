"""Batched throttle counts: sent in batches well under the limit, exact near it, reset by the window."""
from __future__ import annotations

from moviesite.throttling import BatchedCounts


def test_requests_well_under_the_limit_are_counted_here_and_sent_in_batches():
    counts = BatchedCounts(flush_every=4, per_key=3)

    assert [counts.admit(k, limit=100, window=1) for k in "abc"] == [True] * 3
    assert not counts.due()
    assert counts.admit("a", limit=100, window=1)
    assert counts.due()  # four waiting
    assert counts.drain() == {"a": 2, "b": 1, "c": 1}
    assert not counts.due()

    assert [counts.admit("a", limit=100, window=1) for _ in range(3)] == [True] * 3
    assert counts.due()  # one key has three waiting


def test_near_the_limit_every_request_goes_to_the_shared_counter():
    counts = BatchedCounts(per_key=4)  # margin: two batches of a key
    counts.record("k", 90, window=1)  # what Redis last said

    assert counts.admit("k", limit=100, window=1)  # the 91st, with a margin of 8 to the limit
    assert counts.admit("k", limit=100, window=1)  # the 92nd
    assert not counts.admit("k", limit=100, window=1)  # the 93rd is within 8: count it on Redis now
    assert counts.take("k") == 2  # ...together with what this process has not sent
    assert counts.drain() == {}


def test_a_new_window_starts_from_nothing():
    counts = BatchedCounts(per_key=4)
    counts.record("k", 99, window=1)
    assert not counts.admit("k", limit=100, window=1)

    assert counts.admit("k", limit=100, window=2)
    assert counts.drain() == {"k": 1}


def test_counts_taken_but_not_sent_can_be_given_back():
    counts = BatchedCounts(per_key=4)
    counts.admit("k", limit=100, window=1)
    taken = counts.take("k")

    counts.give_back("k", taken, window=1)

    assert counts.drain() == {"k": 1}
