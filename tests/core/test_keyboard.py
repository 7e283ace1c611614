"""Keyboard and mouse state to flight intent."""

from __future__ import annotations

from explorer.core.keyboard import SPEED_LIMITS, KeyboardMouse, mouse_look


def test_wasd_and_arrows_move_in_the_camera_frame() -> None:
    keys = KeyboardMouse()
    keys.press("w")
    keys.press("d")
    keys.press("space")
    assert keys.intent().move == (1.0, 1.0, 1.0)
    keys.press("up")  # W and Up together are still full speed, not double
    assert keys.intent().move[2] == 1.0
    keys.release("w")
    keys.release("up")
    keys.press("s")
    keys.press("shift")
    keys.release("space")
    assert keys.intent().move == (1.0, -1.0, -1.0)


def test_release_all_forgets_keys_when_focus_is_lost() -> None:
    keys = KeyboardMouse()
    keys.press("w")
    keys.release_all()
    assert keys.intent().idle


def test_wheel_changes_speed_within_limits_and_ctrl_boosts() -> None:
    keys = KeyboardMouse()
    assert keys.wheel(1) > 1.0
    for _ in range(100):
        keys.wheel(-1)
    assert keys.speed_factor == SPEED_LIMITS[0]
    keys.speed_factor = 1.0
    keys.press("ctrl")
    assert keys.intent().boost == 3.0


def test_dragging_right_turns_right_and_up_looks_up() -> None:
    d_yaw, d_pitch = mouse_look(10, -10)
    assert d_yaw < 0 < d_pitch
