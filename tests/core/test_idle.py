"""Exhibition timing (idle clock, holds, taps) and the smooth attract tour: pure logic."""

from __future__ import annotations

import math

import numpy as np

from explorer.core.idle import Hold, IdleClock, Phase, Taps
from explorer.core.tour import SmoothTour

L1, R1 = "BTN_TL", "BTN_TR"


def test_idle_clock_tours_then_returns_to_the_picker() -> None:
    clock = IdleClock(tour_after_s=90, picker_after_s=600)
    assert clock.phase(Phase.FLYING, 89.9) is Phase.FLYING
    assert clock.phase(Phase.FLYING, 90.0) is Phase.TOUR
    assert clock.phase(Phase.TOUR, 599.0) is Phase.TOUR
    assert clock.phase(Phase.TOUR, 600.0) is Phase.PICKER
    assert clock.phase(Phase.PICKER, 0.0) is Phase.PICKER  # only a choice leaves the picker


def test_a_hold_fires_once_after_its_time_and_rearms_on_release() -> None:
    hold = Hold(frozenset({L1, R1}), 1.0)
    assert not hold.update(frozenset({L1}), 0.0)
    assert not hold.update(frozenset({L1, R1}), 0.5)
    assert not hold.update(frozenset({L1, R1}), 1.4)
    assert hold.update(frozenset({L1, R1}), 1.5)
    assert not hold.update(frozenset({L1, R1}), 5.0)  # once per hold
    assert not hold.update(frozenset(), 5.1)
    assert not hold.update(frozenset({L1, R1}), 6.0)
    assert hold.update(frozenset({L1, R1, "BTN_SOUTH"}), 7.0)  # other buttons do not matter


def test_taps_are_told_apart_from_the_chord() -> None:
    taps = Taps()
    assert taps.update(frozenset({L1})) is None  # a tap counts on release
    assert taps.update(frozenset()) == L1
    assert taps.update(frozenset({R1})) is None
    assert taps.update(frozenset()) == R1
    # The chord: L1 first, then R1, released one at a time: no tap at all.
    assert [taps.update(frozenset(h)) for h in ({L1}, {L1, R1}, {R1}, set())] == [None] * 4
    assert taps.update(frozenset({L1})) is None and taps.update(frozenset()) == L1  # rearmed


def test_the_smooth_tour_is_continuous_loops_and_passes_its_waypoints() -> None:
    waypoints = np.array([[0, 0, 0], [10, 0, 0], [10, 10, 2], [0, 10, 0]], dtype=float)
    tour = SmoothTour(waypoints, speed=2.0)
    times = np.linspace(0, 2 * tour.period, 4000)
    poses = [tour.pose(t) for t in times]
    positions = np.array([p for p, _, _ in poses])
    steps = np.linalg.norm(np.diff(positions, axis=0), axis=1)
    dt = times[1] - times[0]
    assert steps.max() < 1.5 * tour.speed * dt  # constant speed, no jumps
    for w in waypoints:  # the spline goes through every waypoint
        assert np.linalg.norm(positions - w, axis=1).min() < 0.1
    np.testing.assert_allclose(tour.pose(0.3)[0], tour.pose(0.3 + tour.period)[0], atol=1e-9)
    yaws = np.unwrap([yaw for _, yaw, _ in poses])
    assert np.abs(np.diff(yaws)).max() < math.radians(3)  # the heading turns gently
    joined = tour.pose(tour.time_nearest(np.array([10.3, 9.7, 2.5])))[0]
    assert np.linalg.norm(joined - [10.3, 9.7, 2.5]) < 0.6  # the tour is joined where the camera is
