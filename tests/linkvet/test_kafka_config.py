"""When a group member without partitions subscribes again (linkvet.kafka_config.RejoinTimer)."""

from __future__ import annotations

from linkvet.kafka_config import RejoinTimer


def test_due_after_the_wait_without_partitions_and_not_before() -> None:
    timer = RejoinTimer(after_s=15.0, max_times=4)
    assert timer.due(100.0, assigned=False) is False  # starts counting
    assert timer.due(114.9, assigned=False) is False
    assert timer.due(115.0, assigned=False) is True
    timer.rejoined(115.0)
    assert timer.times == 1
    assert timer.due(129.0, assigned=False) is False  # the wait starts again
    assert timer.due(130.0, assigned=False) is True


def test_partitions_reset_the_wait() -> None:
    timer = RejoinTimer(after_s=15.0)
    timer.due(0.0, assigned=False)
    assert timer.due(10.0, assigned=True) is False
    assert timer.due(20.0, assigned=False) is False  # counting from 20 now
    assert timer.due(34.0, assigned=False) is False
    assert timer.due(35.0, assigned=False) is True


def test_at_most_max_times_in_a_members_life() -> None:
    timer = RejoinTimer(after_s=1.0, max_times=2)
    now = 0.0
    rejoins = 0
    timer.due(now, assigned=False)
    for _ in range(10):
        now += 1.0
        if timer.due(now, assigned=False):
            timer.rejoined(now)
            rejoins += 1
    assert rejoins == 2 and timer.times == 2
