"""An image dataset's near points drawn as their pictures, checked by pixels (real VTK, Xvfb)."""

from __future__ import annotations

import numpy as np

from explorer.core.dataset import Dataset

COLOURS = np.array([[230, 40, 40], [40, 220, 60], [50, 80, 240], [240, 220, 30], [200, 60, 220], [40, 220, 230]])


def picture_world(seed: int) -> Dataset:
    """Six near points straight ahead with solid pictures of six colours, and far points behind them."""
    rng = np.random.default_rng(seed)
    near = np.array([[6.0, y, z] for y in (-3.0, 0.0, 3.0) for z in (-1.5, 1.5)])  # apart: no picture hides another
    far = np.column_stack((rng.uniform(60, 80, 400), rng.uniform(-40, 40, 400), rng.uniform(-30, 30, 400)))
    points = np.vstack((near, far)).astype(np.float32)
    thumbs = np.zeros((len(points), 16, 16, 3), dtype=np.uint8)
    thumbs[:6] = COLOURS[:, None, None, :]
    thumbs[6:] = 128
    return Dataset(labels=np.array([f"p{i}.png" for i in range(len(points))], dtype=object), points=points,
                   thumbs=thumbs)  # fmt: skip


def test_near_points_show_their_own_pictures_and_far_ones_stay_dots(bare_window, snapshot) -> None:  # type: ignore[no-untyped-def]
    window = bare_window(pictures=6)
    dataset = picture_world(3)
    shot = snapshot(window, dataset, dataset.points[:6])
    scene = window.scene
    assert window.last_stats.pictures_shown == 6 and scene.pictures is not None
    # The pages are drawn before the points: their depth rejects the dots behind them before those are shaded.
    props = scene.renderer.GetViewProps()
    props.InitTraversal()
    first = props.GetNextProp()
    assert any(page is not None and first is page.actor for page in scene.pictures.pages)
    # The shader places the quads: each page's extent, which VTK culls by, is the box that holds every picture.
    low, high = scene.pictures.box
    for page in scene.pictures.pages:
        if page is not None:
            bounds = np.array(page.actor.GetBounds())
            assert (bounds[0::2] <= low).all() and (bounds[1::2] >= high).all()
    size = scene.picture_settings.size
    for i in range(6):  # each picture, where its point is, in its own colour
        x, y = int(round(shot.x[i])), int(round(shot.y[i]))
        patch = shot.pixels[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3)
        assert np.abs(patch - COLOURS[i]).max() < 40, (i, patch.mean(axis=0))
    # A picture is a square of ``size`` world units, measured across on screen.
    y0 = int(round(shot.y[0]))
    row = np.abs(shot.pixels[y0, :] - COLOURS[0]).max(axis=1) < 40
    width_px = int(row.sum())
    t = np.tan(np.radians(window.camera.settings.fov_deg / 2))
    anchor = dataset.points[0].astype(float)
    depth = 6.0 * (1 - size / 2 / np.linalg.norm(anchor))  # it stands half its size nearer, toward the eye
    expected = size / (depth * 2 * t) * shot.pixels.shape[0]
    assert abs(width_px - expected) <= 3, (width_px, expected)
    # The far points are dots: no picture-sized patch of their grey anywhere.
    grey = (np.abs(shot.pixels - 128).max(axis=2) < 20).sum()
    assert grey < 400 * 12  # a few pixels a dot, at most


def test_pictures_follow_the_camera_frame_after_frame(bare_window, snapshot) -> None:  # type: ignore[no-untyped-def]
    from explorer.core.picking import screen_xy

    window = bare_window(pictures=6)
    dataset = picture_world(9)
    before = snapshot(window, dataset, dataset.points[:6])
    camera = window.camera
    camera.position = np.array([0.0, 3.0, 0.0])  # one row of pictures over: each moves into its neighbour's place
    pixels = window.view_pixels().astype(float)
    width, height = window.render_window.GetSize()
    x, y, _ = screen_xy(window.scene.view(camera, width, height), dataset.points[:6])
    for i in range(6):
        px, py = int(round(x[i])), int(round(y[i]))
        if 3 <= px < width - 3 and 3 <= py < height - 3:  # those still on screen
            patch = pixels[py - 2 : py + 3, px - 2 : px + 3].reshape(-1, 3)
            assert np.abs(patch - COLOURS[i]).max() < 40, (i, patch.mean(axis=0))
    for i, j in ((0, 2), (1, 3), (2, 4), (3, 5)):  # where picture i stood, picture j now stands
        old = pixels[int(round(before.y[i])), int(round(before.x[i]))]
        assert np.abs(old - COLOURS[j]).max() < 40, (i, j, old)


def test_the_picture_budget_is_kept_and_zero_means_dots(bare_window, snapshot) -> None:  # type: ignore[no-untyped-def]
    window = bare_window(pictures=3)
    dataset = picture_world(4)
    shot = snapshot(window, dataset, dataset.points[:6])
    assert window.last_stats.pictures_shown == 3
    # Off the point by more than its dot (drawn in the picture's colour too), inside where a picture would be.
    coloured = [np.abs(shot.pixels[int(round(shot.y[i])) - 15, int(round(shot.x[i])) + 15] - COLOURS[i]).max() < 40
                for i in range(6)]  # fmt: skip
    assert sum(coloured) == 3
    none = bare_window(pictures=0)
    snapshot(none, dataset, dataset.points[:6])
    assert none.scene.pictures is None and none.last_stats.pictures_shown == 0


def test_a_hundred_thousand_pictures_churn_through_fixed_pages(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from vtkmodules.vtkRenderingCore import vtkRenderer

    from explorer.core.pictures import Pictures
    from explorer.core.process import resident_bytes
    from explorer.render.pictures import PAGE_CELLS, PictureLayer

    rng = np.random.default_rng(6)
    np.save(tmp_path / "t.npy", rng.integers(0, 256, size=(100_000, 4, 4, 3), dtype=np.uint8))
    thumbs = np.load(tmp_path / "t.npy", mmap_mode="r")  # the sidecar, as a dataset opens it
    layer = PictureLayer(vtkRenderer(), thumbs, pages=2)
    images, anchors, slots = layer.images, layer.anchors, layer.slots
    per_page = PAGE_CELLS * PAGE_CELLS
    right, up, eye = np.array([0.0, 1, 0]), np.array([0.0, 0, 1]), np.array([-10.0, 0, 0])
    for frame in range(2500):  # 40 new pictures a frame: every row of the 100k passes through 128 cells
        rows = np.arange(frame * 40, frame * 40 + 40) % 100_000
        chosen = Pictures(rows, rows, np.arange(40.0))
        points = rng.normal(size=(40, 3))
        drawn = layer.update(chosen, points, right, up, eye, 0.1)
        assert drawn == 40 and layer.waiting == 0
        if frame % 100 == 0:  # each draw slot in use names the cell of a chosen picture, at that picture's point
            page, rank = np.nonzero(slots[..., 3] >= 0)
            owners = layer.cells.owner[page * per_page + slots[page, rank, 3].astype(np.int64)]
            assert sorted(owners.tolist()) == rows.tolist()
            assert np.allclose(slots[page, rank, :3], points[owners - rows[0]].astype(np.float32))
            for p in np.unique(page):  # nearest first within each page
                assert (np.diff(owners[page == p]) > 0).all()
    assert layer.images is images and layer.anchors is anchors and layer.slots is slots  # nothing grew
    assert images.shape == (2, 32, 32, 3)
    assert resident_bytes(thumbs) == 0  # every thumbnail was read from the file: none stays mapped in
    for cell, row in enumerate(layer.cells.owner.tolist()):  # every cell holds its owner's picture
        page, slot = divmod(cell, per_page)
        r, c = divmod(slot, PAGE_CELLS)
        assert np.array_equal(images[page, r * 4 : r * 4 + 4, c * 4 : c * 4 + 4], thumbs[row])


def test_a_click_anywhere_on_a_picture_selects_its_point(bare_window, snapshot) -> None:  # type: ignore[no-untyped-def]
    window = bare_window(pictures=6)
    dataset = picture_world(5)
    shot = snapshot(window, dataset, dataset.points[:6])
    scene = window.scene
    width, height = window.render_window.GetSize()
    view = scene.view(window.camera, width, height)
    size = scene.picture_settings.size
    half_px = size / 2 / (6.0 * 2 * view.tan_half_fov) * height  # at least: each stands a little nearer
    for i in range(6):  # near a corner of each picture, far from its point
        x, y = shot.x[i] + 0.9 * half_px, shot.y[i] - 0.9 * half_px
        assert 0.9 * half_px > 20  # a click on the point alone would miss it by far
        assert scene.pick(view, x, y) == i


def test_far_points_are_dots_in_their_pictures_colour(bare_window, snapshot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from explorer.core.colors import by_picture
    from explorer.core.dataset import read_dataset, write_dataset

    letterboxed = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    letterboxed[0, 2:6] = [200, 100, 50]  # a wide picture fitted on black: the black is not its colour
    assert by_picture(letterboxed).tolist() == [[200, 100, 50], [0, 0, 0]]
    dataset = picture_world(7)
    path = tmp_path / "pictures.ds.tsv.gz"
    write_dataset(path, dataset)
    opened = read_dataset(path, blob_labels=True)  # from the cache, whose default colours are the pictures'
    assert opened.derived is not None and opened.thumbs is not None
    window = bare_window(pictures=6)
    snapshot(window, opened, opened.points[:6])
    scene = window.scene
    assert scene.color_mode == "picture"
    colours = scene.point_colours()
    assert (colours[6:] == 128).all() and colours[:6].tolist() == COLOURS.tolist()


def test_a_damaged_sidecar_leaves_its_pictures_dots_and_the_flight_going(qtbot, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    from vtkmodules.vtkRenderingCore import vtkRenderer

    from explorer.core.pictures import Pictures
    from explorer.render.pictures import PictureLayer

    rng = np.random.default_rng(8)
    pixels = rng.integers(0, 256, size=(1_000, 4, 4, 3), dtype=np.uint8)
    np.save(tmp_path / "t.npy", pixels)
    thumbs = np.load(tmp_path / "t.npy", mmap_mode="r")
    layer = PictureLayer(vtkRenderer(), thumbs, pages=1)
    with open(tmp_path / "t.npy", "r+b") as file:  # cut short under the open map: its last 500 rows are gone
        file.truncate(thumbs.offset + 500 * 4 * 4 * 3)
    right, up, eye = np.array([0.0, 1, 0]), np.array([0.0, 0, 1]), np.array([-10.0, 0, 0])
    for rows in (np.arange(990, 1000), np.arange(10, 20)):  # a batch beyond the cut, then one before it
        chosen = Pictures(rows, rows, np.zeros(10))
        for _ in range(3):
            drawn = layer.update(chosen, rng.normal(size=(10, 3)), right, up, eye, 0.1)
        if rows[0] >= 500:  # logged once, left as dots, and not waited for: a still camera stops asking for frames
            assert drawn == 0 and layer.waiting == 0 and caplog.text.count("could not be read") == 1
        else:
            assert drawn == 10 and layer.waiting == 0
    assert (layer.cells.cell_of_row[990:] == -1).all() and (layer.cells.cell_of_row[10:20] >= 0).all()
    layer.remove()
