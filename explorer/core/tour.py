"""Scripted flights: a seeded path through the densest clusters (pure).

Used by the benchmark, so that every run flies the same straight runs, fast
turns and passes through dense clusters, independent of the machine's speed.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from explorer.core.camera import FlyCamera, FlyTo, Pose, flight_time
from explorer.core.regions import Regions


def region_waypoints(regions: Regions, count: int = 8) -> np.ndarray:
    """The centres of the ``count`` largest top-level regions, in a loop that visits each nearest next."""
    top = sorted(regions.levels[0], key=lambda r: -r.size)[:count] if regions.levels else []
    if len(top) < 2:
        return np.array([r.centroid for r in top], dtype=np.float64).reshape(-1, 3)
    centres = np.array([r.centroid for r in top], dtype=np.float64)
    order, left = [0], set(range(1, len(centres)))
    while left:
        here = centres[order[-1]]
        nearest = min(left, key=lambda i: float(np.linalg.norm(centres[i] - here)))
        order.append(nearest)
        left.remove(nearest)
    return centres[order]


def nearest_region(regions: Regions, position: np.ndarray, hidden: np.ndarray | None = None) -> str | None:
    """The name of the top-level region whose centre is nearest ``position`` (where a tour is).

    ``hidden`` (a bool per top-level region) names never given: then the nearest shown one.
    """
    if not regions.levels or not regions.levels[0]:
        return None
    distance = np.linalg.norm(regions.centroids(0) - position, axis=1)
    if hidden is not None:
        distance = np.where(hidden, np.inf, distance)
    nearest = int(np.argmin(distance))
    return None if not np.isfinite(distance[nearest]) else regions.levels[0][nearest].name


DENSITY_SAMPLE = 500_000


def dense_waypoints(points: np.ndarray, count: int = 8, seed: int = 0) -> np.ndarray:
    """Centres of the ``count`` densest regions, kept apart from one another.

    Density is ranked, not counted: beyond ``DENSITY_SAMPLE`` points, a sample
    of that size ranks it alike. The sample is one run of rows from a seeded
    place, so that a memory-mapped cloud of ten million points is read in one
    place, not paged in whole (the kernel maps a file in blocks of up to 2 MB).
    """
    rng = np.random.default_rng(seed)
    n = len(points)
    if n > DENSITY_SAMPLE:
        start = int(rng.integers(0, n - DENSITY_SAMPLE))
        points = np.asarray(points[start : start + DENSITY_SAMPLE])
        n = len(points)
    low, high = points.min(axis=0), points.max(axis=0)
    diagonal = float(np.linalg.norm(high - low)) or 1.0
    sample = points[rng.choice(n, size=min(n, 2000), replace=False)]
    tree = cKDTree(points)
    density = tree.query_ball_point(sample, r=0.04 * diagonal, return_length=True)
    chosen: list[np.ndarray] = []
    for i in np.argsort(-density, kind="stable"):
        candidate = sample[i]
        if all(np.linalg.norm(candidate - c) > 0.15 * diagonal for c in chosen):
            chosen.append(candidate)
        if len(chosen) == count:
            break
    return np.array(chosen, dtype=np.float64)


class Tour:
    """A looping flight through waypoints: straight runs, then a quick turn at each."""

    def __init__(self, waypoints: np.ndarray, *, speed: float, turn_s: float = 0.6) -> None:
        if len(waypoints) < 2:
            raise ValueError("a tour needs at least two waypoints")
        self.waypoints = waypoints
        self.speed = speed
        self.turn_s = turn_s
        lengths = np.linalg.norm(np.roll(waypoints, -1, axis=0) - waypoints, axis=1)
        self.leg_s = np.maximum(lengths / speed, 0.5)
        self.period = float(self.leg_s.sum())

    def pose(self, t: float) -> tuple[np.ndarray, float, float]:
        """(position, yaw, pitch) at time ``t`` seconds, looping."""
        t = t % self.period
        starts = np.concatenate(([0.0], np.cumsum(self.leg_s)[:-1]))
        leg = int(np.searchsorted(starts, t, side="right") - 1)
        a = self.waypoints[leg]
        b = self.waypoints[(leg + 1) % len(self.waypoints)]
        c = self.waypoints[(leg + 2) % len(self.waypoints)]
        local = (t - starts[leg]) / self.leg_s[leg]
        position = a + (b - a) * local
        heading = _direction(b - a)
        remaining = (1 - local) * self.leg_s[leg]
        if remaining < self.turn_s:  # fast turn toward the next leg
            blend = 1 - remaining / self.turn_s
            blend = blend * blend * (3 - 2 * blend)
            heading = _direction((1 - blend) * heading + blend * _direction(c - b))
        yaw = math.atan2(heading[1], heading[0])
        pitch = math.asin(max(-0.99, min(0.99, float(heading[2]))))
        return position, yaw, pitch

    def apply(self, camera: FlyCamera, t: float) -> None:
        camera.position, camera.yaw, camera.pitch = self.pose(t)
        camera.stop()


def _direction(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else np.array([1.0, 0.0, 0.0])


class SmoothTour:
    """A slow, smooth loop through waypoints, for the exhibition's attract mode.

    The path is a closed Catmull-Rom spline, sampled finely and walked at
    constant speed; the camera looks at the point ``look_ahead_s`` ahead, so
    its heading turns gently instead of snapping at waypoints.
    """

    def __init__(self, waypoints: np.ndarray, *, speed: float, look_ahead_s: float = 2.5, samples: int = 48) -> None:
        if len(waypoints) < 2:
            raise ValueError("a tour needs at least two waypoints")
        self.speed = speed
        self.look_ahead_s = look_ahead_s
        path = _catmull_rom_loop(np.asarray(waypoints, dtype=float), samples)
        self.path: np.ndarray = np.vstack([path, path[:1]])
        self.cumulative = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(self.path, axis=0), axis=1))))
        self.length = float(self.cumulative[-1])
        self.period = self.length / speed

    def position(self, distance: float) -> np.ndarray:
        s = distance % self.length
        i = min(int(np.searchsorted(self.cumulative, s, side="right")) - 1, len(self.path) - 2)
        span = self.cumulative[i + 1] - self.cumulative[i]
        local = (s - self.cumulative[i]) / span if span > 0 else 0.0
        position: np.ndarray = self.path[i] + (self.path[i + 1] - self.path[i]) * local
        return position

    def pose(self, t: float) -> tuple[np.ndarray, float, float]:
        """(position, yaw, pitch) at time ``t`` seconds, looping."""
        here = self.position(self.speed * t)
        heading = _direction(self.position(self.speed * (t + self.look_ahead_s)) - here)
        yaw = math.atan2(heading[1], heading[0])
        pitch = math.asin(max(-0.99, min(0.99, float(heading[2]))))
        return here, yaw, pitch

    def time_nearest(self, point: np.ndarray) -> float:
        """The tour time whose position is nearest ``point``: where to join the loop."""
        i = int(np.argmin(np.linalg.norm(self.path[:-1] - point, axis=1)))
        return float(self.cumulative[i] / self.speed)


def _catmull_rom_loop(points: np.ndarray, samples: int) -> np.ndarray:
    """``samples`` points per leg of the closed uniform Catmull-Rom spline through ``points``."""
    p0, p1 = np.roll(points, 1, axis=0), points
    p2, p3 = np.roll(points, -1, axis=0), np.roll(points, -2, axis=0)
    t = np.linspace(0.0, 1.0, samples, endpoint=False)[None, :, None]
    legs: np.ndarray = 0.5 * (
        2 * p1[:, None]
        + (p2 - p0)[:, None] * t
        + (2 * p0 - 5 * p1 + 4 * p2 - p3)[:, None] * t**2
        + (3 * p1 - p0 - 3 * p2 + p3)[:, None] * t**3
    )
    return legs.reshape(-1, 3)


class RouteTour:
    """Flies from the current pose through saved poses in order, pausing at each (bookmarks)."""

    def __init__(self, start: Pose, stops: list[Pose], *, diagonal: float, hold_s: float = 2.0) -> None:
        if not stops:
            raise ValueError("a route needs at least one stop")
        self.legs: list[tuple[float, FlyTo]] = []  # (start time, leg)
        t, here = 0.0, start
        for stop in stops:
            leg = FlyTo(here, stop, flight_time(here[0], stop[0], diagonal) + 0.7)
            self.legs.append((t, leg))
            t += leg.duration_s + hold_s
            here = stop
        self.duration_s = t

    def pose(self, t: float) -> Pose:
        """The pose ``t`` seconds in; the last stop once the tour is over."""
        for begin, leg in reversed(self.legs):
            if t >= begin:
                return leg.pose(t - begin)
        return self.legs[0][1].pose(0.0)

    def stop_at(self, t: float) -> int:
        """Index of the stop being flown to (or held) at ``t``."""
        return max(i for i, (begin, _) in enumerate(self.legs) if t >= begin) if self.legs else -1
