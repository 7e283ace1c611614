"""The pooled glyph atlas and label mesh: any script, and no growth under churn."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.render.glyphs import GlyphRasteriser
from explorer.render.text_atlas import GlyphAtlas, LabelMesh

RIGHT, UP = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])


@pytest.fixture
def rasteriser(qapp) -> GlyphRasteriser:
    return GlyphRasteriser(cell_px=32)


@pytest.mark.parametrize("glyph", ["A", "ж", "中", "ß", "😀"])
def test_glyphs_of_several_scripts_are_drawn(rasteriser: GlyphRasteriser, glyph: str) -> None:
    rgba, advance = rasteriser.rasterise(glyph)
    assert rgba.shape == (32, 32, 4)
    assert (rgba[:, :, 3] > 128).sum() > 10, f"{glyph!r} drew nothing"
    assert 0.2 < advance < 32 / rasteriser.text_px


def test_a_space_draws_nothing_but_advances(rasteriser: GlyphRasteriser) -> None:
    rgba, advance = rasteriser.rasterise(" ")
    assert rgba[:, :, 3].max() == 0 and advance > 0.1


def test_atlas_reuses_the_least_recently_used_cell_when_full(rasteriser: GlyphRasteriser) -> None:
    atlas = GlyphAtlas(rasteriser, cells=2)
    cells = {g: atlas.cell_of(g) for g in "abcd"}
    assert sorted(cells.values()) == [0, 1, 2, 3]
    atlas.frame = 1
    atlas.touch(np.array([cells["a"], cells["c"], cells["d"]]))
    generation = atlas.generation
    e = atlas.cell_of("e")
    assert e == cells["b"] and "b" not in atlas.slot and atlas.generation == generation + 1


def test_100k_distinct_words_do_not_grow_the_atlas_or_the_buffers(rasteriser: GlyphRasteriser) -> None:
    atlas = GlyphAtlas(rasteriser, cells=6)  # 36 cells for 63 distinct glyphs: constant eviction
    mesh = LabelMesh(atlas, max_chars=256, max_label_chars=12)
    buffers = [mesh.xyz, mesh.uv, mesh.rgba, atlas.image]
    sizes = [b.nbytes for b in buffers]
    rng = np.random.default_rng(0)
    alphabet = list("abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщэюя中文字词语言")
    anchors = rng.normal(size=(20, 3))
    words_drawn = 0
    for _ in range(5000):
        words = ["".join(rng.choice(alphabet, size=rng.integers(3, 12))) for _ in range(20)]
        drawn = mesh.update(words, anchors, np.ones(20), RIGHT, UP, np.full(20, 0.1))
        assert 0 < drawn <= 256
        _assert_quads_show_their_glyphs(mesh, words, drawn)
        words_drawn += len(words)
    assert words_drawn == 100_000
    assert atlas.generation > 1000  # cells really were recycled
    assert [b.nbytes for b in buffers] == sizes
    assert all(a is b for a, b in zip([mesh.xyz, mesh.uv, mesh.rgba, atlas.image], buffers, strict=True))
    assert len(atlas.slot) <= atlas.capacity
    assert len(mesh._label_cells) <= 4 * atlas.capacity + 20


def _assert_quads_show_their_glyphs(mesh: LabelMesh, words: list[str], drawn: int) -> None:
    """Every drawn quad's texture cell holds the glyph it stands for."""
    atlas = mesh.atlas
    cells_of_quads = []
    for q in range(drawn):
        u0 = mesh.uv[q * 4, 0]
        v1 = mesh.uv[q * 4 + 2, 1]
        cx, cy = round(u0 * atlas.cells), round((1 - v1) * atlas.cells)
        cells_of_quads.append(cy * atlas.cells + cx)
    owners = "".join(atlas.owner[c] or "?" for c in cells_of_quads)
    assert _is_subsequence_of_words(owners, words), owners


def _is_subsequence_of_words(drawn: str, words: list[str]) -> bool:
    """The drawn glyphs are whole words from the list, in order (some may be skipped)."""
    i = 0
    for word in words:
        if drawn.startswith(word, i):
            i += len(word)
    return i == len(drawn)


def test_each_glyph_quad_samples_its_own_cell(rasteriser: GlyphRasteriser) -> None:
    atlas = GlyphAtlas(rasteriser, cells=4)
    mesh = LabelMesh(atlas, max_chars=16)
    drawn = mesh.update(["hi", "жук"], np.array([[0.0, 0, 0], [1.0, 0, 0]]), np.ones(2), RIGHT, UP, np.full(2, 1.0))
    assert drawn == 5
    for quad, glyph in zip(range(5), "hiжук", strict=True):
        cy, cx = divmod(atlas.slot[glyph], atlas.cells)
        u = mesh.uv[quad * 4 : quad * 4 + 4, 0]
        assert u.min() == pytest.approx(cx / 4) and cx / 4 < u.max() <= (cx + 1) / 4
    # Unused quads collapse to a point: nothing is drawn from them.
    assert not mesh.xyz[drawn * 4 :].any()
    # Glyphs of one label lie left to right along the camera's right vector.
    lefts = mesh.xyz[[0, 4], 0]
    assert lefts[0] < lefts[1]


def test_text_glyphs_have_a_dark_halo_for_contrast(rasteriser: GlyphRasteriser) -> None:
    rgba, _ = rasteriser.rasterise("W")
    opaque = rgba[:, :, 3] > 200
    fill = opaque & (rgba[:, :, :3].min(axis=2) > 200)
    halo = opaque & (rgba[:, :, :3].max(axis=2) < 60)
    assert fill.sum() > 20 and halo.sum() > 20
