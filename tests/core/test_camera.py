"""The flight model: frame-rate independent, damped, and still when idle."""

from __future__ import annotations

import math

import numpy as np

from explorer.core.camera import FlightSettings, FlyCamera, Intent, speed_for_extent

FORWARD = Intent(move=(0.0, 0.0, 1.0))
IDLE = Intent()


def fly(camera: FlyCamera, intent: Intent, seconds: float, fps: int) -> None:
    for _ in range(round(seconds * fps)):
        camera.step(intent, 1.0 / fps)


def test_one_second_of_flight_covers_the_same_distance_at_30_and_120_fps() -> None:
    slow, fast = FlyCamera(FlightSettings(speed=2.0)), FlyCamera(FlightSettings(speed=2.0))
    fly(slow, FORWARD, 1.0, 30)
    fly(fast, FORWARD, 1.0, 120)
    assert np.linalg.norm(slow.position) > 1.0  # it really moved
    np.testing.assert_allclose(slow.position, fast.position, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(slow.velocity, fast.velocity, rtol=1e-9, atol=1e-12)


def test_movement_accelerates_and_is_damped() -> None:
    camera = FlyCamera(FlightSettings(speed=1.0, response_s=0.25))
    camera.step(FORWARD, 0.05)
    early = float(np.linalg.norm(camera.velocity))
    fly(camera, FORWARD, 2.0, 60)
    assert 0 < early < 0.5 < float(np.linalg.norm(camera.velocity)) <= 1.0


def test_idle_means_still_no_drift() -> None:
    camera = FlyCamera(FlightSettings(speed=5.0))
    fly(camera, FORWARD, 0.5, 60)
    fly(camera, IDLE, 3.0, 60)  # glide to a stop
    stopped = camera.position.copy()
    assert not camera.moving
    fly(camera, IDLE, 60.0, 60)
    assert np.array_equal(camera.position, stopped)


def test_strafe_and_climb_follow_the_view() -> None:
    camera = FlyCamera(FlightSettings(speed=1.0))
    camera.yaw = math.pi / 2  # looking along +y: right is +x, up is +z
    fly(camera, Intent(move=(1.0, 1.0, 0.0)), 2.0, 60)
    assert camera.position[0] > 1 and camera.position[2] > 1 and abs(camera.position[1]) < 1e-9


def test_pitch_is_clamped_short_of_straight_up() -> None:
    camera = FlyCamera()
    camera.look(0.0, 10.0)
    assert camera.pitch < math.pi / 2
    assert np.isfinite(camera.up).all() and np.linalg.norm(camera.up) > 0.5


def test_overview_frames_the_whole_box_and_stops() -> None:
    camera = FlyCamera()
    camera.velocity = np.ones(3)
    low, high = np.array([-1.0, -2.0, -3.0]), np.array([5.0, 4.0, 3.0])
    camera.overview(low, high)
    centre = (low + high) / 2
    to_centre = centre - camera.position
    assert np.allclose(to_centre / np.linalg.norm(to_centre), camera.forward)
    assert np.linalg.norm(to_centre) > np.linalg.norm(high - low) / 2  # outside the cloud
    assert not camera.moving


def test_orbit_keeps_the_distance_to_the_pivot() -> None:
    camera = FlyCamera()
    camera.position = np.array([10.0, 0.0, 0.0])
    camera.toggle_orbit(np.zeros(3))
    for _ in range(20):
        camera.look(0.1, 0.02)
    assert math.isclose(float(np.linalg.norm(camera.position)), 10.0, rel_tol=1e-9)
    assert np.allclose(-camera.position / 10.0, camera.forward)


def test_speed_scales_with_the_dataset() -> None:
    assert speed_for_extent(np.zeros(3), np.full(3, 100.0)) == 100 * math.sqrt(3) / 8
