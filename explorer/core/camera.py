"""First-person flight camera: the model only, no Qt and no VTK.

Motion follows a first-order response toward the pilot's target velocity,
integrated exactly over each frame, so a second of flight covers the same
distance at 30 fps and at 120 fps. When the pilot lets go, the camera glides to
a stop and then stays exactly still: idle never drifts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WORLD_UP = np.array([0.0, 0.0, 1.0])
MAX_PITCH = math.radians(89.0)


@dataclass(frozen=True)
class Intent:
    """What the pilot asks for this frame; every axis in [-1, 1].

    ``move`` is (right, up, forward) in the camera's frame. ``look`` is a turn
    rate (yaw, pitch) for sticks and keys; mouse drags use :meth:`FlyCamera.look`.
    """

    move: tuple[float, float, float] = (0.0, 0.0, 0.0)
    look: tuple[float, float] = (0.0, 0.0)
    boost: float = 1.0

    @property
    def idle(self) -> bool:
        return not any(self.move) and not any(self.look)


@dataclass
class FlightSettings:
    speed: float = 1.0  # units per second at full stick; scaled to the dataset
    response_s: float = 0.25  # time constant of acceleration and damping
    turn_rate: float = math.radians(90.0)  # radians per second at full look input
    fov_deg: float = 60.0


class FlyCamera:
    """Position, heading and velocity of the pilot, in world units (z is up)."""

    def __init__(self, settings: FlightSettings | None = None) -> None:
        self.settings = settings or FlightSettings()
        self.position = np.zeros(3)
        self.velocity = np.zeros(3)
        self.yaw = 0.0  # radians, about world up; 0 looks along +x
        self.pitch = 0.0  # radians, up is positive
        self.orbiting = False
        self.pivot = np.zeros(3)

    # ------------------------------------------------------------ orientation

    @property
    def forward(self) -> np.ndarray:
        cp = math.cos(self.pitch)
        return np.array([cp * math.cos(self.yaw), cp * math.sin(self.yaw), math.sin(self.pitch)])

    @property
    def right(self) -> np.ndarray:
        return np.array([math.sin(self.yaw), -math.cos(self.yaw), 0.0])

    @property
    def up(self) -> np.ndarray:
        """right × forward, written out: np.cross costs more than the whole picker step."""
        sp = math.sin(self.pitch)
        return np.array([-sp * math.cos(self.yaw), -sp * math.sin(self.yaw), math.cos(self.pitch)])

    def look(self, d_yaw: float, d_pitch: float) -> None:
        """Turn by angles in radians (mouse drags); in orbit mode, circle the pivot."""
        if self.orbiting:
            distance = float(np.linalg.norm(self.position - self.pivot))
            self._turn(d_yaw, d_pitch)
            self.position = self.pivot - self.forward * distance
        else:
            self._turn(d_yaw, d_pitch)

    def _turn(self, d_yaw: float, d_pitch: float) -> None:
        self.yaw = (self.yaw + d_yaw) % (2 * math.pi)
        self.pitch = min(MAX_PITCH, max(-MAX_PITCH, self.pitch + d_pitch))

    def look_at(self, target: np.ndarray) -> None:
        d = np.asarray(target, dtype=float) - self.position
        horizontal = math.hypot(d[0], d[1])
        if horizontal == 0 and d[2] == 0:
            return
        self.yaw = math.atan2(d[1], d[0]) % (2 * math.pi)
        self.pitch = min(MAX_PITCH, max(-MAX_PITCH, math.atan2(d[2], horizontal)))

    # ------------------------------------------------------------ flight

    def step(self, intent: Intent, dt: float) -> None:
        """Advance ``dt`` seconds under a constant intent, exactly.

        v(t) = v* + (v0 - v*) e^(-t/τ) and its integral for the position; the
        same path results from one step of 1 s or 120 steps of 1/120 s.
        """
        if dt <= 0:
            return
        s = self.settings
        if any(intent.look):
            rate = s.turn_rate * dt
            self.look(intent.look[0] * rate, intent.look[1] * rate)
        r, u, f = intent.move
        if self.orbiting:
            # In orbit mode, forward and back zoom toward the pivot.
            target = self.forward * f * s.speed * intent.boost
        else:
            target = (self.right * r + self.up * u + self.forward * f) * s.speed * intent.boost
        decay = math.exp(-dt / s.response_s)
        self.position = self.position + target * dt + (self.velocity - target) * s.response_s * (1 - decay)
        self.velocity = target + (self.velocity - target) * decay
        if not any(intent.move) and float(np.linalg.norm(self.velocity)) < 1e-3 * s.speed:
            self.velocity = np.zeros(3)  # come to rest: idle means still

    @property
    def moving(self) -> bool:
        return bool(self.velocity.any())

    def stop(self) -> None:
        self.velocity = np.zeros(3)

    # ------------------------------------------------------------ framing

    def overview(self, low: np.ndarray, high: np.ndarray) -> None:
        """Stand back far enough to see the whole box, looking at its centre."""
        centre = (np.asarray(low, float) + np.asarray(high, float)) / 2
        radius = float(np.linalg.norm(np.asarray(high, float) - low)) / 2 or 1.0  # any scale but none
        # The bounding sphere is loose for UMAP's rounded clouds: come in closer than it.
        distance = 0.75 * radius / math.tan(math.radians(self.settings.fov_deg) / 2)
        self.yaw, self.pitch = math.radians(-120.0), math.radians(-20.0)
        self.position = centre - self.forward * distance
        self.pivot = centre
        self.stop()

    def toggle_orbit(self, centre_of_view: np.ndarray) -> bool:
        self.orbiting = not self.orbiting
        if self.orbiting:
            self.pivot = np.asarray(centre_of_view, dtype=float)
            self.look_at(self.pivot)
        self.stop()
        return self.orbiting

    def view(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position, focal point, view-up) for a renderer's camera."""
        # The focal point is as far off as the position is large: 1e20 + 1 is 1e20 in a double.
        reach = max(1.0, float(np.abs(self.position).max()))
        return self.position.copy(), self.position + self.forward * reach, self.up


def speed_for_extent(low: np.ndarray, high: np.ndarray) -> float:
    """Cruising speed that crosses the dataset's diagonal in about eight seconds."""
    return float(np.linalg.norm(np.asarray(high, float) - np.asarray(low, float))) / 8.0 or 1.0


Pose = tuple[np.ndarray, float, float]  # position, yaw, pitch


def smoothstep(w: float) -> float:
    w = min(1.0, max(0.0, w))
    return w * w * (3 - 2 * w)


def blend(start: Pose, end: Pose, w: float) -> Pose:
    """The pose a fraction ``w`` (eased in and out) of the way from ``start`` to ``end``, turning the short way."""
    w = smoothstep(w)
    (p0, yaw0, pitch0), (p1, yaw1, pitch1) = start, end
    turn = (yaw1 - yaw0 + math.pi) % (2 * math.pi) - math.pi
    return p0 + (p1 - p0) * w, (yaw0 + turn * w) % (2 * math.pi), pitch0 + (pitch1 - pitch0) * w


class FlyTo:
    """A smooth flight from one pose to another: eased in and out, the short way round."""

    def __init__(self, start: Pose, end: Pose, duration_s: float) -> None:
        self.start, self.end = start, end
        self.duration_s = max(duration_s, 1e-6)

    def pose(self, t: float) -> Pose:
        return blend(self.start, self.end, t / self.duration_s)

    def done(self, t: float) -> bool:
        return t >= self.duration_s


def pose_of(camera: FlyCamera) -> Pose:
    return camera.position.copy(), camera.yaw, camera.pitch


def set_pose(camera: FlyCamera, pose: Pose) -> None:
    camera.position = np.array(pose[0], dtype=float)
    camera.yaw, camera.pitch = pose[1], pose[2]
    camera.stop()


def facing(target: np.ndarray, from_position: np.ndarray, distance: float) -> Pose:
    """A pose ``distance`` from ``target`` on the line from ``from_position``, looking at it."""
    target = np.asarray(target, dtype=float)
    d = target - np.asarray(from_position, dtype=float)
    length = float(np.linalg.norm(d))
    direction = d / length if length > 0 else np.array([1.0, 0.0, 0.0])
    position = target - direction * distance
    yaw = math.atan2(direction[1], direction[0]) % (2 * math.pi)
    pitch = min(MAX_PITCH, max(-MAX_PITCH, math.asin(max(-1.0, min(1.0, float(direction[2]))))))
    return position, yaw, pitch


def flight_time(start: np.ndarray, end: np.ndarray, diagonal: float) -> float:
    """Seconds for a fly-to: longer hops take longer, never under 0.8 s or over 2.5 s."""
    hop = float(np.linalg.norm(np.asarray(end, float) - np.asarray(start, float))) / (diagonal or 1.0)
    return min(2.5, 0.8 + 2.0 * hop)
