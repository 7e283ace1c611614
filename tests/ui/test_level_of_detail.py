"""A 200k cloud in the real window: the level of detail keeps to its budget, draws what is near, labels it."""

from __future__ import annotations

import numpy as np

from explorer.core.colors import BACKGROUND
from explorer.core.dataset import Dataset
from explorer.ui.window import FlythroughWindow


def big_cloud(n: int = 200_000) -> Dataset:
    rng = np.random.default_rng(5)
    centres = rng.uniform(-20, 20, size=(60, 3))
    points = (centres[rng.integers(0, 60, n)] + rng.normal(size=(n, 3))).astype(np.float32)
    return Dataset(labels=np.array([f"w{i}" for i in range(n)], dtype=object), points=points)


def window_with(qtbot, dataset: Dataset, *, labels: int, budget: int, size: tuple[int, int]) -> FlythroughWindow:  # type: ignore[no-untyped-def]
    window = FlythroughWindow(label_budget=labels, point_budget=budget, drive_frames=False)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.show_dataset(dataset)
    return window


def test_a_200k_cloud_flies_within_its_budget_and_labels_only_drawn_points(qtbot, isolated_settings) -> None:  # type: ignore[no-untyped-def]
    dataset = big_cloud()
    window = window_with(qtbot, dataset, labels=100, budget=30_000, size=(800, 600))
    scene = window.scene
    assert scene.lod is not None and len(scene.lod.tree) > 8  # more than the root: a real tree
    window.render_frame()
    assert 25_000 <= scene.points_drawn() <= 30_000 + len(scene.lod.tree)  # the overview spends the budget
    pixels = window.view_pixels()
    assert (np.abs(pixels.astype(float) - np.array(BACKGROUND) * 255).sum(axis=2) > 60).mean() > 0.01  # drawn
    # Fly into a cluster: the near nodes are drawn deep, and every label is on a drawn point.
    window.camera.position = dataset.points[0].astype(float) - window.camera.forward * 3.0
    for _ in range(30):  # the shares ease in
        window.render_frame()
    assert scene.points_drawn() <= 30_000 + len(scene.lod.tree)
    tree, share = scene.lod.tree, scene.lod.share
    near = int(tree.node_at(scene.lod.positions[[0]])[0])  # the node holding the point flown to
    while near > 0 and share[near] == 0:
        near = int(tree.parent[near])
    assert tree.depth[near] >= 1 and share[near] > 0  # drawn below the root
    rows = scene.shown_rows
    assert len(rows) > 5 and scene.lod.drawn_rows(rows).all()
    # From outside the cloud, looking away from it: nothing is drawn, once the nodes have faded out.
    camera = window.camera
    camera.position = dataset.points.mean(axis=0).astype(float) + camera.forward * 100.0  # the cloud behind
    for _ in range(10):
        window.render_frame()
    assert scene.points_drawn() == 0 and window.last_stats.labels_shown == 0


def test_nodes_drawn_long_ago_are_let_go_and_made_again(qtbot, isolated_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from explorer.render import points

    monkeypatch.setattr(points, "KEEP_AT_LEAST", 0)
    monkeypatch.setattr(points, "KEEP_BUDGETS", 1)  # a small cache, to see it work on a small cloud
    dataset = big_cloud()
    window = window_with(qtbot, dataset, labels=0, budget=20_000, size=(640, 480))
    scene, camera = window.scene, window.camera
    keep = points.KEEP_BUDGETS * 20_000
    # Fly close past one cluster after another: far more nodes are drawn in turn than the cache keeps.
    drawn_ever: set[int] = set()
    for cluster in range(0, 60, 4):
        camera.position = dataset.points[cluster].astype(float) - camera.forward * 1.5
        for _ in range(12):
            window.render_frame()
        nodes = scene.nodes
        assert nodes is not None
        drawn_ever |= set(np.flatnonzero(nodes.drawn_share > 0).tolist())
        visible = int(nodes.tree.count[nodes.drawn_share > 0].sum())
        assert nodes.made_points <= max(keep, visible)  # what is drawn now, or at most the cache's size
        assert nodes.made_points == int(nodes.tree.count[list(nodes.actors)].sum())
    assert sum(int(scene.lod.tree.count[n]) for n in drawn_ever) > 2 * keep  # the flight went past the cache
    assert drawn_ever - set(scene.nodes.actors)  # and some nodes it drew were let go
    # Back at the first cluster: its nodes are made again and drawn.
    camera.position = dataset.points[0].astype(float) - camera.forward * 1.5
    for _ in range(12):
        window.render_frame()
    lit = np.abs(window.view_pixels().astype(float) - np.array(BACKGROUND) * 255).sum(axis=2) > 60
    assert lit.mean() > 0.02 and all(
        scene.nodes.actors[n].GetVisibility() for n in np.flatnonzero(scene.nodes.drawn_share > 0)
    )
