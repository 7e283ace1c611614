"""The flight loop without a window: keyboard and pads merged, scripted flights, the pad menu."""

from __future__ import annotations

import numpy as np

from explorer.core.camera import FlyTo, pose_of
from explorer.core.flight import MAX_STEP_S, FlightLoop
from explorer.core.pad import PadState
from explorer.core.pad_menu import Menu, MenuAnswer

PUSHED_FORWARD = PadState(left=(0.0, -1.0), pads=1)  # a stick pushed up: negative y


def flown(loop: FlightLoop, seconds: float, fps: float = 60.0, start: float = 0.0) -> float:
    """Step the loop for ``seconds`` at ``fps``; returns the clock at the end."""
    t = start
    for _ in range(round(seconds * fps)):
        t += 1 / fps
        loop.step(t)
    return t


def test_keyboard_and_pad_add_up_and_are_clipped() -> None:
    loop = FlightLoop()
    loop.keys.press("w")
    loop.pad = PUSHED_FORWARD
    assert loop.intent().move[2] == 1.0  # both forward: still full speed, not double
    loop.keys.press("d")
    loop.pad = PadState(left=(-1.0, 0.0), pads=1)  # the pad strafes left, the keys right
    assert loop.intent().move[0] == 0.0 and loop.intent().move[2] == 1.0


def test_idle_input_leaves_the_camera_still_and_asks_for_no_frame() -> None:
    loop = FlightLoop()
    assert loop.step(0.0) is False
    assert loop.step(1.0) is False
    assert np.array_equal(loop.camera.position, np.zeros(3))


def test_a_held_stick_flies_forward_and_asks_for_frames() -> None:
    loop = FlightLoop()
    loop.step(0.0)
    loop.pad = PUSHED_FORWARD
    assert loop.step(1 / 60) is True
    flown(loop, 1.0, start=1 / 60)
    assert float(loop.camera.position @ loop.camera.forward) > 0.5


def test_a_stall_is_not_a_leap() -> None:
    loop = FlightLoop()
    loop.keys.press("w")
    loop.step(0.0)
    loop.step(10.0)  # ten seconds between two frames
    stalled = float(np.linalg.norm(loop.camera.position))
    again = FlightLoop()
    again.keys.press("w")
    again.step(0.0)
    again.step(MAX_STEP_S)
    assert stalled == float(np.linalg.norm(again.camera.position))


def test_a_scripted_flight_ends_at_its_target() -> None:
    loop = FlightLoop()
    end = (np.array([5.0, 1.0, 2.0]), 1.0, 0.2)
    loop.fly(FlyTo(pose_of(loop.camera), end, 1.0), now=0.0)
    assert loop.step(0.5) is True
    assert 0 < float(np.linalg.norm(loop.camera.position)) < float(np.linalg.norm(end[0]))
    loop.step(1.2)
    assert loop.flight is None
    assert np.allclose(loop.camera.position, end[0]) and loop.camera.yaw == 1.0


def test_any_flight_input_takes_the_camera_back_from_a_scripted_flight() -> None:
    loop = FlightLoop()
    loop.fly(FlyTo(pose_of(loop.camera), (np.array([5.0, 0.0, 0.0]), 0.0, 0.0), 2.0), now=0.0)
    loop.step(0.5)
    loop.pad = PadState(right=(1.0, 0.0), pads=1)  # a look with the right stick
    loop.step(0.52)
    assert loop.flight is None


def test_sticks_do_not_fly_while_the_pad_menu_is_open() -> None:
    loop = FlightLoop()
    loop.menu = Menu("Menu", [("labels", "Labels"), ("close", "Close")])
    loop.pad = PUSHED_FORWARD
    loop.step(0.0)
    flown(loop, 0.5)
    assert np.array_equal(loop.camera.position, np.zeros(3))
    loop.menu = None
    flown(loop, 0.5, start=0.5)
    assert float(np.linalg.norm(loop.camera.position)) > 0


def test_the_pad_menu_answers_moves_choices_adjustments_and_closing() -> None:
    menu = Menu("Menu", [("labels", "Labels"), ("speed", "Speed"), ("close", "Close")], adjustable=frozenset({"speed"}))
    assert menu.answer("select") == MenuAnswer("choose", "labels")
    assert menu.answer("left") is None  # labels take no ◀ ▶
    assert menu.answer("down") == MenuAnswer("moved") and menu.chosen == "speed"
    assert menu.answer("right") == MenuAnswer("adjust", "speed", 1)
    assert menu.answer("left") == MenuAnswer("adjust", "speed", -1)
    assert menu.answer("up") == MenuAnswer("moved") and menu.answer("up") == MenuAnswer("moved")
    assert menu.chosen == "close"  # wrapped round
    assert menu.answer("back") == MenuAnswer("close") and menu.answer("menu") == MenuAnswer("close")
    assert menu.answer("labels") is None
    assert "▶ Close" in menu.text()


def test_the_first_frame_after_a_push_already_flies() -> None:
    loop = FlightLoop(start=10.0)
    loop.pad = PUSHED_FORWARD
    assert loop.step(10.0 + 1 / 60) is True
    assert loop.camera.moving and float(np.linalg.norm(loop.camera.position)) > 0


def test_region_waypoints_loop_through_the_largest_regions_nearest_next() -> None:
    from explorer.core.regions import Region, Regions
    from explorer.core.tour import nearest_region, region_waypoints

    xs = [0.0, 10.0, 1.0, 11.0, 50.0]
    sizes = [50, 40, 30, 20, 1]
    top = [Region(i, None, f"r{i}", (x, 0.0, 0.0), 1.0, n) for i, (x, n) in enumerate(zip(xs, sizes, strict=True))]
    regions = Regions([top], np.zeros((141, 1), dtype=np.int32))
    loop = region_waypoints(regions, count=4)  # the small far one is left out
    assert loop[:, 0].tolist() == [0.0, 1.0, 10.0, 11.0]  # nearest next, from the largest
    assert nearest_region(regions, np.array([9.0, 1.0, 0.0])) == "r1"


def test_nearest_region_skips_the_hidden_ones() -> None:
    from explorer.core.regions import Region, Regions
    from explorer.core.tour import nearest_region

    top = [Region(0, None, "near", (0.0, 0.0, 0.0), 1.0, 5), Region(1, None, "far", (9.0, 0.0, 0.0), 1.0, 5)]
    regions = Regions([top], np.zeros((10, 1), dtype=np.int32))
    assert nearest_region(regions, np.zeros(3), np.array([True, False])) == "far"
    assert nearest_region(regions, np.zeros(3), np.array([True, True])) is None
