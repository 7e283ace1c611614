"""Region names from afar, finer ones on the way in, never on top of each other or of the HUD."""

from __future__ import annotations

import numpy as np

from explorer.core.camera import FlyCamera
from explorer.core.labels import Occupancy
from explorer.core.regions import Region, Regions
from explorer.core.signposts import SignpostPicker
from explorer.core.view import View


def two_islands() -> Regions:
    """Two coarse regions 40 apart (radius 8), each of two fine ones (radius 4)."""
    coarse = [
        Region(0, None, "sport", (-20.0, 0.0, 0.0), 8.0, 100),
        Region(1, None, "water", (20.0, 0.0, 0.0), 8.0, 100),
    ]
    fine = [Region(0, 0, "football", (-22.0, 0.0, 0.0), 4.0, 50), Region(1, 0, "tennis", (-18.0, 0.0, 0.0), 4.0, 50),
            Region(2, 1, "river", (18.0, 0.0, 0.0), 4.0, 50),
            Region(3, 1, "ocean", (22.0, 0.0, 0.0), 4.0, 50)]  # fmt: skip
    members = np.zeros((200, 2), dtype=np.int32)
    return Regions([coarse, fine], members)


def view_from(position: tuple[float, float, float], target: tuple[float, float, float]) -> View:
    camera = FlyCamera()
    camera.position = np.array(position, dtype=float)
    camera.look_at(np.array(target, dtype=float))
    return View(camera.position, camera.forward, camera.right, camera.up, camera.settings.fov_deg, 1280, 720)


def shown(picker: SignpostPicker, view: View, occupancy: Occupancy | None = None) -> dict[str, float]:
    posts = picker.select(view, occupancy or Occupancy(10))
    return {
        picker.name(int(d), int(r)): float(f) for d, r, f in zip(posts.level, posts.region, posts.fade, strict=True)
    }


def test_from_afar_the_coarse_names_and_on_the_way_in_the_fine_ones() -> None:
    picker = SignpostPicker(two_islands())
    far = shown(picker, view_from((0, -30, 0), (0, 0, 0)))  # 4.5 coarse radii, 9 fine ones
    assert set(far) == {"sport", "water"}
    closer = shown(picker, view_from((-20, -14, 0), (-20, 0, 0)))  # 1.75 coarse radii, 3.5 fine ones
    assert {"football", "tennis"} <= set(closer)  # the finer names take the space on the way in
    inside = shown(picker, view_from((-20, -6, 0), (-20, 0, 0)))  # inside "sport": its name is gone
    assert "sport" not in inside and {"football", "tennis"} <= set(inside)


def test_a_name_fades_with_distance_in_small_steps() -> None:
    """Overlap may still drop a name in a frame; the renderer eases what it draws toward these fades."""
    picker = SignpostPicker(two_islands())
    previous: dict[str, float] = {}
    for y in np.linspace(-60, -4, 400):
        now = shown(picker, view_from((-20, float(y), 0), (-20, 0, 0)))
        for name in set(now) & set(previous):
            assert abs(now[name] - previous[name]) < 0.15, (name, y)
        previous = now


def test_names_never_overlap_each_other_or_the_hud() -> None:
    both = [Region(0, None, "first", (0.0, 0.0, 0.0), 5.0, 10), Region(1, None, "second", (0.0, 0.0, 0.3), 5.0, 10)]
    regions = Regions([both], np.zeros((20, 1), dtype=np.int32))
    picker = SignpostPicker(regions)
    view = view_from((0, -20, 0), (0, 0, 0))
    assert len(shown(picker, view)) == 1  # the second sits on the first: one name
    hud = Occupancy(10)
    hud.reserve(0, 300, 1280, 120)  # a band across the middle, where both would go
    assert shown(picker, view, hud) == {}
