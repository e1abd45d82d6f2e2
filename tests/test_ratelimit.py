"""FloodGate: a simulated sender loop on a fake clock never breaks Telegram's limits."""

from __future__ import annotations

import random
from collections import defaultdict, deque
from itertools import pairwise

import pytest

from bot.ratelimit import FloodGate

EPS = 1e-9


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def drain(gate: FloodGate, clock: FakeClock, outbox: list[int]) -> list[tuple[float, int]]:
    """The sender loop: pick a chat, wait its delay, send its oldest message, record it."""
    pending: dict[int, int] = defaultdict(int)
    for chat_id in outbox:
        pending[chat_id] += 1
    order = list(dict.fromkeys(outbox))
    sent: list[tuple[float, int]] = []
    while order:
        picked, wait = gate.pick(order)
        assert picked is not None
        chat_id = picked
        assert wait >= 0.0
        clock.now += wait
        assert gate.delay(chat_id) == 0.0
        gate.record(chat_id)
        sent.append((clock.now, chat_id))
        pending[chat_id] -= 1
        order.remove(chat_id)
        if pending[chat_id]:
            order.append(chat_id)  # round robin: a served chat goes to the back
    return sent


def assert_within_limits(sent: list[tuple[float, int]]) -> None:
    """Check every limit on a log of (time, chat_id) sends."""
    times = [t for t, _ in sent]
    assert times == sorted(times)
    window: deque[float] = deque()
    for t in times:
        window.append(t)
        while window[0] <= t - 1.0 + EPS:
            window.popleft()
        assert len(window) <= 30, f"{len(window)} sends within one second at {t}"
    by_chat: dict[int, list[float]] = defaultdict(list)
    for t, chat_id in sent:
        by_chat[chat_id].append(t)
    for chat_id, stamps in by_chat.items():
        gaps = [b - a for a, b in pairwise(stamps)]
        assert all(gap >= 1.0 - EPS for gap in gaps), f"chat {chat_id} sent twice within 1 s"
        if chat_id < 0:
            for i in range(20, len(stamps)):
                assert stamps[i] - stamps[i - 20] >= 60.0 - EPS, f"group {chat_id} over 20/min"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gate(clock: FakeClock) -> FloodGate:
    return FloodGate(clock=clock)


def test_hundred_private_chats_pace_at_thirty_per_second(gate: FloodGate, clock: FakeClock) -> None:
    start = clock.now
    sent = drain(gate, clock, list(range(1, 101)))
    assert_within_limits(sent)
    assert [chat for _, chat in sent] == list(range(1, 101))  # the given order is kept
    total = clock.now - start
    assert 3.3 - EPS <= total < 4.0


def test_first_send_is_immediate(gate: FloodGate) -> None:
    assert gate.delay(42) == 0.0
    assert gate.pick([7, 8]) == (7, 0.0)
    assert gate.pick([]) == (None, 0.0)


def test_same_chat_waits_a_second(gate: FloodGate, clock: FakeClock) -> None:
    gate.record(5)
    clock.now += 0.25
    assert gate.delay(5) == pytest.approx(0.75)
    assert gate.delay(6) == 0.0
    clock.now += 0.75
    assert gate.delay(5) == 0.0


def test_pick_prefers_a_chat_that_can_go_now(gate: FloodGate, clock: FakeClock) -> None:
    gate.record(1)
    clock.now += 0.5
    assert gate.pick([1, 2, 3]) == (2, 0.0)
    chat, wait = gate.pick([1])
    assert chat == 1
    assert wait == pytest.approx(0.5)


def test_ties_go_to_the_order_given(gate: FloodGate, clock: FakeClock) -> None:
    gate.record(1)
    gate.record(2)
    assert gate.pick([2, 1]) == (2, pytest.approx(1.0))
    assert gate.pick([1, 2]) == (1, pytest.approx(1.0))


def test_twenty_five_to_one_group_take_a_minute(gate: FloodGate, clock: FakeClock) -> None:
    start = clock.now
    sent = drain(gate, clock, [-100] * 25)
    assert_within_limits(sent)
    offsets = [t - start for t, _ in sent]
    assert offsets[19] == pytest.approx(19.0)
    assert offsets[20] == pytest.approx(60.0)  # the 21st waits for the minute window
    assert clock.now - start >= 60.0


def test_private_chats_are_not_held_to_the_group_limit(gate: FloodGate, clock: FakeClock) -> None:
    start = clock.now
    drain(gate, clock, [100] * 25)
    assert clock.now - start == pytest.approx(24.0)


def test_mixed_outbox_keeps_every_limit(gate: FloodGate, clock: FakeClock) -> None:
    outbox = [chat for _ in range(30) for chat in (-1, -2, 3)]
    outbox += list(range(1000, 1400)) + [7] * 10 + [-3] * 45
    sent = drain(gate, clock, outbox)
    assert len(sent) == len(outbox)
    assert_within_limits(sent)


def test_pause_blocks_everything_until_it_ends(gate: FloodGate, clock: FakeClock) -> None:
    gate.record(1)
    clock.now += 2.0
    gate.pause(5.0)
    assert gate.delay(1) == pytest.approx(5.0)
    assert gate.delay(999) == pytest.approx(5.0)
    assert gate.pick([999, -5]) == (999, pytest.approx(5.0))
    gate.pause(1.0)  # a shorter pause does not cut the longer one short
    clock.now += 4.0
    assert gate.delay(999) == pytest.approx(1.0)
    clock.now += 1.0
    assert gate.delay(999) == 0.0
    sent = drain(gate, clock, [1, 2, 3])
    assert sent[0][0] == pytest.approx(clock.now - 2 / 30)


def test_pause_in_the_middle_of_a_drain(gate: FloodGate, clock: FakeClock) -> None:
    sent = drain(gate, clock, list(range(1, 11)))
    paused_at = clock.now
    gate.pause(30.0)
    more = drain(gate, clock, list(range(11, 21)))
    assert more[0][0] >= paused_at + 30.0
    assert_within_limits(sent + more)


def test_explicit_now_overrides_the_clock() -> None:
    gate = FloodGate(clock=lambda: 0.0)
    gate.record(1, now=10.0)
    assert gate.delay(1, now=10.5) == pytest.approx(0.5)
    assert gate.delay(1, now=11.0) == 0.0


def test_custom_limits() -> None:
    gate = FloodGate(overall_per_second=2, per_chat_interval=0.0, group_per_minute=3)
    gate.record(-1, now=0.0)
    gate.record(-1, now=0.5)
    assert gate.delay(-1, now=0.5) == pytest.approx(0.5)
    gate.record(-1, now=1.0)
    assert gate.delay(-1, now=1.5) == pytest.approx(58.5)
    with pytest.raises(ValueError, match="flood limits must be positive"):
        FloodGate(overall_per_second=0)


def test_memory_is_bounded(gate: FloodGate, clock: FakeClock) -> None:
    for chat_id in range(-500, 500):
        gate.record(chat_id)
        clock.now += 0.1
    assert len(gate) <= 601
    clock.now += 61.0
    gate.record(1)
    assert len(gate) == 1
    clock.now += 1.0
    assert gate.delay(-1) == 0.0
    assert gate.delay(1) == 0.0


def test_random_outboxes_keep_every_limit(gate: FloodGate, clock: FakeClock) -> None:
    rng = random.Random(30)
    for _ in range(5):
        chats = [rng.choice((-1, 1)) * rng.randrange(1, 40) for _ in range(300)]
        sent = drain(gate, clock, chats)
        assert sorted(chat for _, chat in sent) == sorted(chats)
        assert_within_limits(sent)
        clock.now += rng.random() * 3


def test_margin_lengthens_every_window() -> None:
    clock = [0.0]
    gate = FloodGate(margin=0.05, clock=lambda: clock[0])
    for chat in range(30):
        gate.record(chat + 1, now=clock[0])
        clock[0] += gate.delay(chat + 2)
    assert clock[0] == pytest.approx(30 * 1.05 / 30)  # spacing widened with the window
    # The per-chat interval too: a chat sent to at 0 waits until 1.05, not 1.0.
    alone = FloodGate(margin=0.05, clock=lambda: 0.0)
    alone.record(1, now=0.0)
    assert alone.delay(1, now=1.0) == pytest.approx(0.05)
