"""Two-domain data: the built-in pairs' splits and true mappings, printed digits, the 2D pairs,
and a user's pair (two folders, a folder with A/ and B/) with its mistakes."""

import json

import numpy as np
import pytest
from PIL import Image

from ganstudio.config import DataConfig, RunConfig
from ganstudio.core.data import pairs
from ganstudio.core.data.builtin import digits
from ganstudio.core.data.printed import BUNDLED, printed_digits
from ganstudio.core.data.registry import describe_builtins, load_dataset
from ganstudio.errors import DataError


@pytest.fixture(scope="module")
def source():
    return digits()


def _rows(x: np.ndarray) -> set[bytes]:
    return {np.ascontiguousarray(r, np.float32).tobytes() for r in x}


# -- the built-in pairs -----------------------------------------------------------------------


def test_split_halves_are_disjoint_and_each_holds_every_class(source):
    half_a, half_b = pairs.split_halves(source.y)
    assert not set(half_a) & set(half_b)
    assert sorted([*half_a, *half_b]) == list(range(len(source)))
    for half in (half_a, half_b):
        assert set(source.y[half]) == set(range(10))
    counts_a = np.bincount(source.y[half_a], minlength=10)
    counts_b = np.bincount(source.y[half_b], minlength=10)
    assert np.abs(counts_a - counts_b).max() <= 1  # stratified: about half of each class
    assert np.array_equal(pairs.split_halves(source.y)[0], half_a)  # fixed seed, fixed split


@pytest.mark.parametrize(("pair", "undo"), [
    (pairs.digits2inverted, lambda b: 1.0 - b),
    (pairs.digits2printed, None),
])
def test_no_digit_is_in_both_domains(source, pair, undo):
    ds = pair()
    a_rows = _rows(ds.x)
    assert len(a_rows) == len(ds) and a_rows <= _rows(source.x)  # A: handwritten digits
    b_source = ds.domain_b.x if undo is None else undo(ds.domain_b.x)
    assert not a_rows & _rows(b_source)
    assert len(ds) + len(ds.domain_b) == len(source)
    assert set(ds.y) == set(ds.domain_b.y) == set(range(10))


def test_true_mappings_on_a_hand_made_3x3_image():
    x = np.array([[0.5, 0.0, 0.0],
                  [0.0, 0.0, 0.0],
                  [0.0, 0.0, 1.0]], np.float32)[None, ..., None]
    np.testing.assert_allclose(pairs.inverted(x)[0, ..., 0], 1.0 - x[0, ..., 0])
    expected = [[0.0, 0.5, 0.0],  # dilate 3x3 (outside = 0), minus x, clipped to [0, 1]
                [0.5, 1.0, 1.0],
                [0.0, 1.0, 0.0]]
    np.testing.assert_allclose(pairs.edges(x)[0, ..., 0], expected)
    dot = np.zeros((1, 3, 3, 1), np.float32)
    dot[0, 1, 1] = 1.0
    np.testing.assert_allclose(pairs.edges(dot)[0, ..., 0], 1.0 - dot[0, ..., 0])


def test_digits2edges_truth_holds_every_digit_beside_its_edges(source):
    ds = pairs.digits2edges()
    assert len(ds.truth) == len(source)
    np.testing.assert_array_equal(ds.truth.b, pairs.edges(ds.truth.a))
    assert ds.domain_b.x.min() >= 0.0 and ds.domain_b.x.max() <= 1.0


# -- printed digits ---------------------------------------------------------------------------


def test_digits2printed_looks_like_sklearns_digits_and_has_no_truth(source):
    ds = load_dataset(DataConfig(name="digits2printed"))
    b = ds.domain_b
    _, half_b = pairs.split_halves(source.y)
    assert ds.shape == b.shape == (8, 8, 1) and b.x.dtype == np.float32
    assert np.array_equal(b.y, source.y[half_b])  # as many as the B half, labelled alike
    assert b.class_names == [str(i) for i in range(10)]
    assert b.x.min() >= 0.0 and np.allclose(b.x.max(axis=(1, 2, 3)), 1.0)
    # bright ink on black: dark side columns (sklearn's 0.004), a bright middle (sklearn's 0.52);
    # the top and bottom rows hold ink in sklearn's digits too (0.30), so they are not checked
    assert b.x[:, :, [0, -1]].mean() < 0.15 < b.x[:, 2:6, 2:6].mean()
    assert 0.2 < b.x.mean() < 0.45  # as much ink as sklearn's (0.31)
    assert ds.truth is None and ds.domain_names == ("digits", "printed digits")


def test_printed_digits_are_deterministic_and_vary():
    labels = np.array([3, 3, 3, 3, 7, 7])
    first = printed_digits(labels, seed=5)
    assert np.array_equal(first, printed_digits(labels, seed=5))
    assert not np.array_equal(first, printed_digits(labels, seed=6))
    assert len(_rows(first)) == len(labels)  # no two drawn alike
    bundled = printed_digits(labels, seed=5, fonts=(BUNDLED,))  # a fresh machine's only font
    assert bundled.shape == (6, 8, 8, 1) and np.isfinite(bundled).all() and bundled.max() == 1.0


# -- the 2D pairs -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "names"), [("moons2ring8", ("moons", "ring8")),
                                             ("spiral2moons", ("spiral", "moons"))])
def test_point_pairs_are_two_independent_draws(name, names):
    ds = load_dataset(DataConfig(name=name, n_points=500), seed=3)
    b = ds.domain_b
    assert ds.kind == b.kind == "points" and ds.shape == b.shape == (2,)
    assert len(ds) == len(b) == 500 and ds.truth is None and ds.domain_names == names
    assert not np.allclose(ds.x, b.x)
    if name == "moons2ring8":
        np.testing.assert_allclose(np.linalg.norm(b.x, axis=1), 1.0, atol=0.06)  # the ring
    again = load_dataset(DataConfig(name=name, n_points=500), seed=3)
    assert np.array_equal(again.x, ds.x) and np.array_equal(again.domain_b.x, b.x)
    limited = load_dataset(DataConfig(name=name, n_points=500, limit=40))
    assert len(limited) == len(limited.domain_b) == 40


def test_listing_marks_the_pairs_and_typos_get_a_hint():
    rows = {r["name"]: r for r in describe_builtins()}
    for name in ("digits2inverted", "digits2edges", "digits2printed", "moons2ring8",
                 "spiral2moons"):
        assert rows[name]["two_domains"] and "two domains" in rows[name]["description"]
    assert not rows["digits"]["two_domains"]
    with pytest.raises(DataError, match="Did you mean 'moons2ring8'"):
        load_dataset(DataConfig(name="moons2rign8"))
    with pytest.raises(DataError, match=r"dataset B .*Did you mean 'digits'"):
        load_dataset(DataConfig(name="digits", name_b="digitz"))


# -- a user's pair ----------------------------------------------------------------------------


def _images(folder, n=3, size=12, rgb=False):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        pixels = np.full((size, size, 3) if rgb else (size, size), 30 * i + 20, np.uint8)
        if rgb:
            pixels[..., 0] = 200  # a colour, not a grey saved as RGB
        Image.fromarray(pixels).save(folder / f"{i}.png")
    return folder


def test_a_folder_with_a_and_b_loads_as_two_domains_with_both_reports(tmp_path):
    _images(tmp_path / "pair" / "A", n=3, size=12)
    _images(tmp_path / "pair" / "B", n=4, size=16, rgb=True)
    (tmp_path / "pair" / "B" / "broken.png").write_bytes(b"")
    ds = load_dataset(DataConfig(name=str(tmp_path / "pair")))
    b = ds.domain_b
    assert ds.domain_names == ("A", "B") and ds.name == str(tmp_path / "pair")
    assert (len(ds), len(b)) == (3, 4)
    assert ds.shape == b.shape == (12, 12, 3)  # B at A's size; gray A made RGB like B
    assert ds.report.files_read == 3 and b.report.files_read == 4 and b.report.skipped
    text = ds.report_summary()
    assert text.startswith("domain A: ") and "\ndomain B: " in text and "zero bytes" in text
    assert ds.reports_skipped() and ds.truth is None


def test_cyclegans_train_a_and_train_b_layout(tmp_path):
    for part in ("trainA", "trainB", "testA", "testB"):
        _images(tmp_path / "horse2zebra" / part, n=2)
    ds = load_dataset(DataConfig(name=str(tmp_path / "horse2zebra"), image_size=8))
    assert ds.domain_names == ("trainA", "trainB") and ds.shape == (8, 8, 1)
    assert len(ds) == len(ds.domain_b) == 2
    for part in ("a", "b"):  # lower case: two classes of one dataset, as before
        _images(tmp_path / "classes" / part, n=1)
    one = load_dataset(DataConfig(name=str(tmp_path / "classes")))
    assert one.domain_b is None and one.class_names == ["a", "b"]


def test_two_folders_given_apart(tmp_path):
    _images(tmp_path / "horses", n=2, size=20)
    _images(tmp_path / "zebras", n=3, size=10)
    ds = load_dataset(DataConfig(name=str(tmp_path / "horses"), name_b=str(tmp_path / "zebras")))
    assert ds.domain_names == ("horses", "zebras") and ds.shape == ds.domain_b.shape == (20, 20, 1)
    assert ds.domain_b.report.source == str(tmp_path / "zebras")
    assert ds.domain_labels() == ("domain A (horses)", "domain B (zebras)")


def _table(path, columns):
    rows = np.arange(6 * columns, dtype=float).reshape(6, columns)
    np.savetxt(path, rows, delimiter=",")
    return path


@pytest.mark.parametrize(("setup", "words"), [
    (lambda d: (_images(d / "a"), d / "missing"), ["dataset B", "no file or folder"]),
    (lambda d: (_images(d / "a"), (d / "empty").mkdir() or d / "empty"), ["dataset B"]),
    (lambda d: (_images(d / "a"), _table(d / "p.csv", 2)), ["differ", "A is images",
                                                            "B is points"]),
    (lambda d: (_table(d / "p2.csv", 2), _table(d / "p3.csv", 3)), ["2 coordinates",
                                                                     "3 coordinates"]),
    (lambda d: (_images(d / "only" / "A").parent, None), ["folder A/ but no B/", "--dataset-b"]),
    (lambda d: (_images(d / "only" / "trainB").parent, None), ["folder trainB/ but no trainA/"]),
    (lambda d: (_images(d / "ab" / "A").parent, _images(d / "ab" / "B")),
     ["already holds two domains", "Drop --dataset-b"]),
    (lambda d: ("digits2inverted", _images(d / "c")), ["dataset A", "already holds two"]),
])
def test_a_users_pair_mistakes_say_what_and_what_to_do(tmp_path, setup, words):
    a, b = setup(tmp_path)
    with pytest.raises(DataError) as info:
        load_dataset(DataConfig(name=str(a), name_b=None if b is None else str(b)))
    for word in words:
        assert word in str(info.value), str(info.value)


def test_name_b_round_trips_and_comes_from_the_command_line(tmp_path):
    from ganstudio.cli import build_parser, config_from_args

    cfg = RunConfig().with_changes(data={"name": "horses", "name_b": "zebras"})
    assert RunConfig.from_dict(cfg.to_dict()).data.name_b == "zebras"
    cfg.save(tmp_path / "c.toml")
    assert RunConfig.load(tmp_path / "c.toml").data.name_b == "zebras"
    assert RunConfig.from_dict(json.loads(json.dumps(RunConfig().to_dict()))).data.name_b is None
    assert DataConfig(name="x", name_b="  ").name_b is None  # an emptied field: one domain
    args = build_parser().parse_args(["train", "--dataset", "a", "--dataset-b", "b"])
    assert config_from_args(args).data.name_b == "b"


def test_cli_datasets_checks_both_domains(tmp_path, capsys):
    from ganstudio.cli import main

    _images(tmp_path / "pair" / "A", n=2)
    _images(tmp_path / "pair" / "B", n=3)
    assert main(["datasets", str(tmp_path / "pair")]) == 0
    out = capsys.readouterr().out
    assert "domain A: " in out and "domain B: " in out and "3 read" in out
    assert main(["datasets"]) == 0
    assert "images×2" in capsys.readouterr().out
