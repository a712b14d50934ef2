"""Maps: the neighbourhood read from the store, its layout, the space projection, the PNGs."""

import io
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import maps.projection
from cli.main import main
from engine.answer import Engine
from engine.scenes import load_scenes
from maps.draw import neighbourhood_png, space_map_png
from maps.file_names import file_stem
from maps.labels import Box, LabelRequest, TextMeasure, place_labels
from maps.neighbourhood import HEIGHT, WIDTH, layout_neighbourhood
from maps.projection import cache_dir_for, project_space
from maps.related import NotInGraph, read_neighbourhood
from maps.space_map import Highlight, highlight_of, layout_space_map
from store import Store, UserError
from tests.map_store import IDS, build_map_store


@pytest.fixture(scope="module")
def map_store(tmp_path_factory) -> Path:
    return build_map_store(tmp_path_factory.mktemp("maps") / "sage.duckdb")


@pytest.fixture(scope="module")
def engine(map_store) -> Engine:
    return Engine.load(map_store)


def read(map_store: Path, band: str, **options):
    with Store.open(map_store, read_only=True) as store:
        return read_neighbourhood(store, IDS[band], load_scenes(store), **options)


def png_size(png: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.verify()
    return image.size


def disc_hits_box(centre, radius: float, box: Box) -> bool:
    dx = max(box.x0 - centre[0], 0, centre[0] - box.x1)
    dy = max(box.y0 - centre[1], 0, centre[1] - box.y1)
    return dx * dx + dy * dy < radius * radius


def test_the_neighbourhood_holds_the_bands_related_both_ways(map_store):
    one = read(map_store, "Minor Threat", hops=1)
    assert one.names[0] == "Minor Threat"
    assert set(one.names[1:]) == {"Bad Brains", "Black Flag", "Fugazi"}
    two = read(map_store, "Minor Threat", hops=2)
    assert set(two.names) == {"Minor Threat", "Bad Brains", "Black Flag", "Fugazi", "Crass",
                              "Boards of Canada"}
    assert "Stranger" not in read(map_store, "Minor Threat", hops=3).names  # one-way only
    rows = {name: row for row, name in enumerate(two.names)}
    assert two.hop[rows["Crass"]] == 2 and two.parent[rows["Crass"]] == rows["Black Flag"]
    assert two.hop[rows["Boards of Canada"]] == 2
    assert two.parent[rows["Boards of Canada"]] == rows["Fugazi"]
    # Every edge is among the map's bands, once, with the geometric-mean similarity.
    assert len({tuple(edge) for edge in two.edges.tolist()}) == len(two.edges)
    crass = two.edges.tolist().index(sorted([rows["Crass"], rows["Black Flag"]]))
    assert two.similarity[crass] == pytest.approx(0.4)
    assert two.scene_names == {0: "hardcore · rock", 1: "idm · rock"}


def test_max_nodes_caps_the_map_and_the_first_ring_comes_first(map_store):
    hood = read(map_store, "Minor Threat", hops=2, max_nodes=3)
    assert len(hood.names) == 3 and hood.hop.tolist() == [0, 1, 2]


def test_a_band_with_no_mutual_neighbour_is_a_clear_error(map_store):
    with pytest.raises(NotInGraph, match="nothing to map"):
        read(map_store, "Lonely")
    with pytest.raises(NotInGraph):
        read(map_store, "Stranger")
    with pytest.raises(UserError, match="hops"):
        read(map_store, "Minor Threat", hops=9)


def test_the_layout_puts_the_band_in_the_centre_and_labels_every_band(map_store):
    hood = read(map_store, "Minor Threat", hops=3)
    layout = layout_neighbourhood(hood)
    assert layout.names == hood.names and len(layout.xy) == len(hood.names)
    area_centre = np.array([WIDTH / 2, layout.xy[0, 1]])
    assert np.allclose(layout.xy[0], area_centre)
    assert layout.radius[0] == layout.radius.max()
    assert sorted(label.text for label in layout.labels) == sorted(hood.names)
    # Scenes keep their colour; the legend names each scene of the map.
    rows = {name: row for row, name in enumerate(hood.names)}
    assert np.array_equal(layout.colour[rows["Fugazi"]], layout.colour[rows["Crass"]])
    assert not np.array_equal(layout.colour[rows["Fugazi"]], layout.colour[rows["Plaid"]])
    assert [entry.text for entry in layout.legend] == ["hardcore · rock (5)", "idm · rock (4)"]


def test_labels_overlap_nothing_by_the_layouts_own_measure(map_store):
    layout = layout_neighbourhood(read(map_store, "Minor Threat", hops=3))
    canvas = Box(0, 0, layout.width, layout.height)
    for a, b in combinations(layout.labels, 2):
        assert not a.box.overlaps(b.box), (a.text, b.text)
    for label in layout.labels:
        assert label.box.inside(canvas)
        for centre, radius in zip(layout.xy, layout.radius, strict=True):
            assert not disc_hits_box(centre, radius, label.box), label.text


def test_the_layout_is_the_same_every_time(map_store):
    first = layout_neighbourhood(read(map_store, "Minor Threat"))
    again = layout_neighbourhood(read(map_store, "Minor Threat"))
    assert np.array_equal(first.xy, again.xy)
    assert [label.box for label in first.labels] == [label.box for label in again.labels]


def test_the_neighbourhood_png_is_valid_and_of_the_layouts_size(map_store):
    png = neighbourhood_png(layout_neighbourhood(read(map_store, "Minor Threat")))
    assert png_size(png) == (WIDTH, HEIGHT)


def test_crowded_labels_are_left_out_rather_than_piled_up():
    points = np.array([[50.0 + i, 50.0] for i in range(20)])  # 20 dots a pixel apart
    requests = [LabelRequest(f"band {i}", tuple(point), 2.0, 9.0) for i, point in
                enumerate(points)]
    placed = place_labels(requests, points, np.full(20, 2.0), Box(0, 0, 200, 100),
                          TextMeasure(100))
    assert 0 < len(placed) < 20 and placed[0].request == 0
    for a, b in combinations(placed, 2):
        assert not a.box.overlaps(b.box)


def test_the_projection_is_cached_per_run(map_store, engine, monkeypatch):
    cache = cache_dir_for(map_store)
    importance = engine.scenes.pagerank_of(engine.space.entity_ids)
    first = project_space(engine.space, importance, cache_dir=cache, tsne_points=8,
                          iterations=250)
    assert first.xy.shape == (len(engine.space), 2) and first.projected.sum() == 8
    assert (cache / f"{engine.space.name}-run{engine.space.run_id}.npz").exists()

    def no_tsne(*args):
        raise AssertionError("the cached projection should have been used")

    monkeypatch.setattr(maps.projection, "_project", no_tsne)
    again = project_space(engine.space, importance, cache_dir=cache, tsne_points=8,
                          iterations=250)
    assert np.array_equal(again.xy, first.xy)
    with pytest.raises(AssertionError, match="cached"):  # other settings: not the cache's
        project_space(engine.space, importance, cache_dir=cache, tsne_points=9,
                      iterations=250)


def test_a_query_is_highlighted_on_the_space_map(map_store, engine):
    projection = project_space(engine.space, engine.scenes.pagerank_of(engine.space.entity_ids),
                               cache_dir=None, tsne_points=11, iterations=250)
    answer = engine.ask("like Minor Threat", k=2)
    highlight = highlight_of(answer)
    assert highlight.likes == (IDS["Minor Threat"],) and len(highlight.results) == 2
    names = engine.space.artist_names(projection.artist_ids)
    layout = layout_space_map(projection, names, engine.scenes, highlight=highlight)
    assert len(layout.like_xy) == 1 and len(layout.result_xy) == 2
    texts = [label.text for label in layout.labels]
    first_result = engine.space.artist_names([highlight.results[0]])[0]
    assert texts[:2] == ["Minor Threat", f"1. {first_result}"]
    assert "like Minor Threat" in layout.title
    assert {label.text for label in layout.scene_labels} <= set(engine.scenes.names.values())
    for a, b in combinations(layout.labels + layout.scene_labels, 2):
        assert not a.box.overlaps(b.box)
    assert png_size(space_map_png(layout)) == (layout.width, layout.height)


def test_a_highlight_of_bands_outside_the_space_is_ignored(map_store, engine):
    projection = project_space(engine.space, np.zeros(len(engine.space)), cache_dir=None,
                               tsne_points=11, iterations=250)
    layout = layout_space_map(projection, engine.space.artist_names(projection.artist_ids),
                              engine.scenes, highlight=Highlight("like ?", (999,), (998,)))
    assert len(layout.like_xy) == 0 and len(layout.result_xy) == 0


def test_sage_map_writes_a_png(map_store, tmp_path, capsys):
    out = tmp_path / "mt.png"
    assert main(["--store", str(map_store), "map", "minor threat", "--out", str(out)]) == 0
    assert png_size(out.read_bytes()) == (WIDTH, HEIGHT)
    assert "wrote" in capsys.readouterr().out


def test_sage_map_names_the_png_after_the_band(map_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--store", str(map_store), "map", "minor threat"]) == 0
    assert [path.name for path in tmp_path.iterdir()] == ["minor-threat.png"]


@pytest.mark.parametrize(("name", "stem"), [
    ("Minor Threat", "minor-threat"),
    ("AC/DC", "ac-dc"),
    ("../../etc/passwd", "etc-passwd"),
    ("C:\\Windows", "c-windows"),
    (".hidden_band", "hidden-band"),
    ("Motörhead", "mot-rhead"),
    ("浜崎あゆみ", "map"),
    ("!!!", "map"),
    ("", "map"),
])
def test_map_file_names_are_safe(name, stem):
    assert file_stem(name) == stem


def test_sage_map_explains_what_it_cannot_draw(map_store, capsys):
    assert main(["--store", str(map_store), "map", "Zzyzx Quartet"]) == 2
    assert 'no band called "Zzyzx Quartet"' in capsys.readouterr().err
    assert main(["--store", str(map_store), "map", "Lonely"]) == 2
    assert "nothing to map" in capsys.readouterr().err
    assert main(["--store", str(map_store), "map"]) == 2
    assert main(["--store", str(map_store), "map", "Fugazi", "--highlight", "x"]) == 2


def test_sage_ask_draws_the_query_on_the_space(map_store, tmp_path):
    out = tmp_path / "ask.png"
    assert main(["--store", str(map_store), "ask", "like Fugazi", "--top", "3",
                 "--map", str(out)]) == 0
    assert png_size(out.read_bytes()) == (1200, 900)


def test_a_title_too_long_for_the_picture_is_cut_short():
    measure = TextMeasure(100)
    title = measure.clip("like " + ", ".join(["Minor Threat"] * 30), 14.0, True, 400)
    assert title.endswith("…") and measure.size(title, 14.0, True)[0] <= 400
    assert measure.clip("Fugazi", 14.0, True, 400) == "Fugazi"
