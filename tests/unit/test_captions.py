"""Captions for a user's own data: caption files beside images, .npz captions, and holdout."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.config import DataConfig
from ganstudio.core.data.base import Dataset, LoadReport
from ganstudio.core.data.captions import holdout_mask, match_captions, read_caption_file
from ganstudio.core.data.files import load_images, load_user_data
from ganstudio.core.data.registry import load_dataset
from ganstudio.errors import ConfigError, DataError

# --------------------------------------------------------------------------------------------
# Helpers: every file is made here, in tmp_path.


def png(path: Path, value: int = 100) -> Path:
    """A 16 x 16 RGB PNG whose red channel is `value` (so examples can be told apart)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), (value, 20, 30)).save(path)
    return path


def folder(root: Path, names: list[str]) -> Path:
    """PNGs named `names` (red channel 10, 20, 30, ... in that order)."""
    for i, name in enumerate(names):
        png(root / name, value=10 * (i + 1))
    return root


def red(data: Dataset) -> list[int]:
    """Each example's red value (0..255), to check which image a caption landed on."""
    return [int(round(v * 255)) for v in data.x[:, 0, 0, 0]]


def reasons(data: Dataset) -> dict[str, str]:
    return {s.path: s.reason for s in data.report.skipped}


# --------------------------------------------------------------------------------------------
# captions.csv


def test_captions_csv_with_header(tmp_path):
    folder(tmp_path, ["b.png", "a.png", "c.png"])  # red: b 10, a 20, c 30
    (tmp_path / "captions.csv").write_text(
        "file,caption\nc.png,a blue sky\na.png,\"a cat, sleeping\"\nb.png,a dog\n"
    )
    data = load_images(tmp_path)
    assert red(data) == [20, 10, 30]  # sorted paths: a, b, c
    assert data.captions == ["a cat, sleeping", "a dog", "a blue sky"]
    assert data.report.skipped == [] and data.report.caption_issues == []
    assert "captions.csv" not in reasons(data)  # the caption file is not "not an image"
    assert "3 captioned RGB images" in data.description


def test_captions_csv_without_header_and_with_unquoted_commas(tmp_path):
    folder(tmp_path, ["a.png", "b.png"])
    (tmp_path / "captions.csv").write_text(
        "a.png,  a red car, parked by the road\r\n# a comment\n\nb.png,a  dog,\n"
    )
    data = load_images(tmp_path)
    assert data.captions == ["a red car, parked by the road", "a dog"]
    assert data.report.caption_issues == []


def test_captions_csv_in_utf8_with_bom(tmp_path):
    folder(tmp_path, ["a.png"])
    (tmp_path / "captions.csv").write_bytes("\ufefffile,caption\na.png,un café\n".encode())
    assert load_images(tmp_path).captions == ["un café"]


# --------------------------------------------------------------------------------------------
# captions.txt


def test_captions_txt_with_tabs_spaces_and_commas(tmp_path):
    folder(tmp_path, ["a.png", "b.png", "c.png", "my dog.png"])
    (tmp_path / "captions.txt").write_text(
        "a.png\ta cat on a mat\n"
        "b.png   a bird, singing\n"
        "c.png,a cow\n"
        "my dog.png a dog with spaces in its file name\n"
    )
    data = load_images(tmp_path)
    assert data.captions == [
        "a cat on a mat", "a bird, singing", "a cow", "a dog with spaces in its file name"
    ]
    assert data.report.caption_issues == []


def test_csv_is_preferred_and_the_other_file_reported(tmp_path):
    folder(tmp_path, ["a.png"])
    (tmp_path / "captions.csv").write_text("a.png,from csv\n")
    (tmp_path / "captions.txt").write_text("a.png from txt\n")
    data = load_images(tmp_path)
    assert data.captions == ["from csv"]
    assert any("captions.txt is ignored" in i for i in data.report.caption_issues)
    assert data.report.skipped == []


# --------------------------------------------------------------------------------------------
# Classes, zips, limit


def test_captions_with_class_subfolders_stay_aligned(tmp_path):
    folder(tmp_path, ["dogs/d0.png", "cats/c0.png", "cats/c1.png"])  # red: d0 10, c0 20, c1 30
    (tmp_path / "captions.csv").write_text(
        "file,caption\ncats/c1.png,the second cat\nd0.png,the dog\nc0.png,the first cat\n"
    )
    data = load_images(tmp_path)
    assert data.class_names == ["cats", "dogs"]
    assert data.y.tolist() == [0, 0, 1]
    assert data.captions == ["the first cat", "the second cat", "the dog"]
    assert red(data) == [20, 30, 10]


def test_a_bare_name_in_two_folders_is_ambiguous(tmp_path):
    folder(tmp_path, ["cats/x.png", "dogs/x.png"])
    (tmp_path / "captions.csv").write_text("x.png,which one?\ncats/x.png,a cat\n")
    data = load_images(tmp_path)
    assert data.captions == ["a cat"]
    assert any("could be any of 2 images" in i for i in data.report.caption_issues)
    assert reasons(data) == {"dogs/x.png": "no caption (not in captions.csv)"}


def test_captions_in_a_zip_with_a_top_folder(tmp_path):
    archive = tmp_path / "faces.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i, name in enumerate(["faces/a.png", "faces/b.png"]):
            png(tmp_path / "src" / f"{i}.png", value=10 * (i + 1))
            zf.write(tmp_path / "src" / f"{i}.png", name)
        zf.writestr("faces/captions.txt", "b.png\tsecond\nfaces/a.png\tfirst\n")
    data = load_images(archive)
    assert data.captions == ["first", "second"]
    assert red(data) == [10, 20]
    assert data.report.skipped == [] and data.report.caption_issues == []


def test_limit_counts_captioned_images_only(tmp_path):
    folder(tmp_path, ["a.png", "b.png", "c.png", "d.png"])
    (tmp_path / "captions.csv").write_text("b.png,bee\nc.png,sea\nd.png,dee\n")
    data = load_images(tmp_path, limit=2)
    assert data.captions == ["bee", "sea"]
    assert reasons(data) == {"a.png": "no caption (not in captions.csv)"}


# --------------------------------------------------------------------------------------------
# Bad or missing captions, in the report


def test_an_image_without_a_caption_is_left_out_and_reported(tmp_path):
    folder(tmp_path, ["a.png", "b.png", "c.png"])
    (tmp_path / "captions.csv").write_text("a.png,first\nc.png,third\n")
    data = load_images(tmp_path)
    assert data.captions == ["first", "third"] and red(data) == [10, 30]
    assert reasons(data) == {"b.png": "no caption (not in captions.csv)"}
    assert "1 image has no caption in captions.csv and was left out." in (
        data.report.caption_issues
    )
    assert data.report.files_read == 2


def test_a_line_naming_a_missing_file_is_reported(tmp_path):
    folder(tmp_path, ["a.png"])
    (tmp_path / "notes.md").write_text("not an image")
    (tmp_path / "captions.csv").write_text("a.png,real\nghost.png,boo\nnotes.md,words\n")
    data = load_images(tmp_path)
    assert data.captions == ["real"]
    (issue,) = data.report.caption_issues
    assert "2 lines name a file that is not an image here" in issue
    assert "line 2: 'ghost.png'" in issue and "line 3: 'notes.md'" in issue
    assert reasons(data) == {"notes.md": "not an image file type"}


def test_an_empty_caption_is_reported_and_its_image_left_out(tmp_path):
    folder(tmp_path, ["a.png", "b.png"])
    (tmp_path / "captions.txt").write_text("a.png\t   \nb.png\tkept\n")
    data = load_images(tmp_path)
    assert data.captions == ["kept"]
    assert reasons(data) == {"a.png": "empty caption (captions.txt line 1)"}
    assert data.report.caption_issues == ["captions.txt line 1: the caption of a.png is empty."]


def test_a_caption_file_that_is_not_utf8_is_reported_and_not_used(tmp_path):
    folder(tmp_path, ["a.png", "b.png"])
    (tmp_path / "captions.csv").write_bytes("a.png,un caf\xe9\n".encode("latin-1"))
    data = load_images(tmp_path)
    assert data.captions is None and len(data) == 2  # the images are still loaded
    (issue,) = data.report.caption_issues
    assert "captions.csv is not UTF-8" in issue and "0xe9" in issue
    assert "save it as UTF-8" in issue


def test_a_file_captioned_twice_keeps_the_first(tmp_path):
    folder(tmp_path, ["a.png"])
    (tmp_path / "captions.csv").write_text("a.png,first\na.png,second\n")
    data = load_images(tmp_path)
    assert data.captions == ["first"]
    assert data.report.caption_issues == [
        "captions.csv line 2: a.png already has a caption (line 1); the first is kept."
    ]


def test_a_caption_file_naming_no_image_is_an_error(tmp_path):
    folder(tmp_path, ["a.png", "b.png"])
    (tmp_path / "captions.csv").write_text("x.png,one\ny.png,two\n")
    with pytest.raises(DataError, match="no image in .* has a caption in captions.csv") as err:
        load_images(tmp_path)
    assert "'x.png'" in str(err.value)


def test_a_folder_holding_only_a_caption_file_is_an_error(tmp_path):
    (tmp_path / "captions.csv").write_text("a.png,one\n")
    with pytest.raises(DataError, match=r"no files found .*only captions.csv"):
        load_images(tmp_path)


def test_the_report_shows_caption_issues():
    report = LoadReport(source="pics", files_read=2, caption_issues=["line 3: odd"])
    assert "1 caption issue" in report.summary()
    assert "\n  captions: line 3: odd" in report.summary()
    assert report.to_dict()["caption_issues"] == ["line 3: odd"]
    assert LoadReport(source="pics").to_dict()["caption_issues"] == []


def test_caption_file_parsing_and_matching_directly():
    table = read_caption_file(b"image,text\n./a.png,one\n,orphan\nsub/B.PNG,two\n", "c.csv")
    assert [(r.line, r.file, r.caption) for r in table.rows] == [
        (2, "./a.png", "one"), (4, "sub/B.PNG", "two")]
    assert table.issues == ["c.csv line 3: no file name."]
    match = match_captions(table, ["a.png", "sub/b.png"])
    assert match.captions == {"a.png": "one", "sub/b.png": "two"}  # case ignored if unique


# --------------------------------------------------------------------------------------------
# .npz captions


def images(n: int) -> np.ndarray:
    x = np.zeros((n, 8, 8, 3), np.uint8)
    x[:, :, :, 0] = (10 * np.arange(1, n + 1))[:, None, None]
    return x


def test_npz_captions_array(tmp_path):
    path = tmp_path / "data.npz"
    captions = np.array(["a cat", "a  dog ", "a cow"])
    assert captions.dtype.kind == "U"
    np.savez(path, x=images(3), captions=captions)
    data = load_user_data(path)
    assert data.captions == ["a cat", "a dog", "a cow"]
    assert "3 captioned RGB images" in data.description
    assert load_user_data(path, limit=2).captions == ["a cat", "a dog"]


def test_npz_captions_stay_aligned_when_examples_are_skipped(tmp_path):
    path = tmp_path / "data.npz"
    x = images(4).astype(np.float32) / 255
    x[1, 0, 0, 0] = np.nan
    np.savez(path, x=x, captions=np.array(["one", "two", "", "four"]))
    data = load_images(path)
    assert data.captions == ["one", "four"]
    assert red(data) == [10, 40]
    skipped = [s.reason for s in data.report.skipped]
    assert any("not finite" in r for r in skipped)
    assert any("1 images skipped (empty caption): index 2" in r for r in skipped)
    assert any("1 caption is empty (index 2)" in i for i in data.report.caption_issues)


def test_npz_captions_as_bytes(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=images(2), captions=np.array(["café".encode(), b"tea"]))
    assert load_images(path).captions == ["café", "tea"]


def test_npz_captions_of_the_wrong_length_are_an_error(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=images(3), captions=np.array(["a", "b"]))
    with pytest.raises(DataError, match="captions holds 2 captions but x holds 3 examples"):
        load_user_data(path)


def test_npz_captions_saved_as_objects_are_an_error(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=images(2), captions=np.array(["a", "b"], dtype=object))
    with pytest.raises(DataError, match="captions array .*not dtype=object"):
        load_user_data(path)


def test_npz_captions_that_are_not_text_are_an_error(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=images(2), captions=np.array([1, 2]))
    with pytest.raises(DataError, match="not text"):
        load_user_data(path)


def test_npz_points_carry_captions(tmp_path):
    path = tmp_path / "points.npz"
    np.savez(path, x=np.arange(6, dtype=np.float32).reshape(3, 2),
             captions=np.array(["left", "", "right"]))
    data = load_user_data(path)
    assert data.kind == "points" and data.captions == ["left", "right"]


# --------------------------------------------------------------------------------------------
# Dataset fields and holdout on a user's data


def test_dataset_take_keeps_everything_aligned():
    data = Dataset(
        "d", "images", np.arange(4, dtype=np.float32)[:, None, None, None],
        y=np.array([0, 1, 0, 1]), captions=["a", "b", "c", "d"],
        attributes={"size": np.array([0, 1, 1, 0])}, attribute_names={"size": ["s", "l"]},
    )
    cut = data.take(np.array([True, False, True, True]))
    assert cut.captions == ["a", "c", "d"] and cut.y.tolist() == [0, 0, 1]
    assert cut.attributes["size"].tolist() == [0, 1, 0]
    assert cut.x[:, 0, 0, 0].tolist() == [0, 2, 3]
    assert data.take(slice(0, 2)).captions == ["a", "b"]
    info = cut.info()
    assert info["captions"] == 3 and info["attributes"] == {"size": ["s", "l"]}
    assert Dataset("p", "points", np.zeros((2, 2))).info()["captions"] is None


def test_holdout_mask_matches_whole_words_ignoring_case_and_punctuation():
    captions = ["A red car, parked.", "a redder car", "a blue car", "a red bus"]
    assert holdout_mask(captions, "red car").tolist() == [True, False, False, False]
    assert holdout_mask(captions, "red car, bus").tolist() == [True, False, False, True]
    assert holdout_mask(captions, "").tolist() == [False] * 4


def test_holdout_on_a_captioned_folder(tmp_path):
    folder(tmp_path, ["a.png", "b.png", "c.png"])
    (tmp_path / "captions.csv").write_text("a.png,a red car\nb.png,a blue car\nc.png,a red bus\n")
    data = load_dataset(DataConfig(name=str(tmp_path), holdout="red car"))
    assert data.captions == ["a blue car", "a red bus"] and red(data) == [20, 30]
    assert "1 held out (red car)" in data.description
    with pytest.raises(DataError, match="holds out all 3"):
        load_dataset(DataConfig(name=str(tmp_path), holdout="car, bus"))


def test_holdout_without_captions_is_a_config_error(tmp_path):
    folder(tmp_path, ["a.png"])
    with pytest.raises(ConfigError, match="has no captions"):
        load_dataset(DataConfig(name=str(tmp_path), holdout="red car"))
    with pytest.raises(ConfigError, match="'ring8' has no captions"):
        load_dataset(DataConfig(name="ring8", holdout="red"))
