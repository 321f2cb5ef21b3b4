"""Loading a user's own data: folders, zips, arrays, point tables, and every kind of bad file."""

from __future__ import annotations

import io
import os
import struct
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.data import files
from ganstudio.core.data.base import IMAGES, POINTS
from ganstudio.core.data.files import (
    SUPPORTED_IMAGE_SUFFIXES,
    load_images,
    load_points,
    load_user_data,
    looks_like_user_data,
)
from ganstudio.errors import ConfigError, DataError

# --------------------------------------------------------------------------------------------
# Helpers: every file is made here, in tmp_path.


def save(path: Path, img: Image.Image, fmt: str | None = None, **params) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, fmt, **params)
    return path


def gray_png(path: Path, size=(16, 16), value: int = 128) -> Path:
    return save(path, Image.new("L", size, value))


def rgb_png(path: Path, size=(16, 16), rgb=(200, 30, 40)) -> Path:
    return save(path, Image.new("RGB", size, rgb))


def png_bytes(img: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt)
    return buffer.getvalue()


def noise(size=(64, 64)) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


needs_symlinks = pytest.mark.skipif(
    not hasattr(os, "symlink") or os.name == "nt", reason="needs symlinks"
)
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")


def peak_memory(call):
    """What `call()` returns, and the peak of the memory Python allocated while it ran."""
    tracemalloc.start()
    try:
        return call(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def reasons(dataset_or_report) -> dict[str, str]:
    report = getattr(dataset_or_report, "report", dataset_or_report)
    return {s.path: s.reason for s in report.skipped}


# --------------------------------------------------------------------------------------------
# Folders


def test_folder_subfolders_become_sorted_classes(tmp_path):
    for i in range(3):
        rgb_png(tmp_path / "dogs" / f"d{i}.png", rgb=(10, 200, 10))
    for i in range(2):
        rgb_png(tmp_path / "cats" / f"c{i}.png", rgb=(200, 10, 10))

    data = load_images(tmp_path)

    assert data.kind == IMAGES
    assert data.x.dtype == np.float32 and data.x.shape == (5, 16, 16, 3)
    assert data.class_names == ["cats", "dogs"]
    assert data.y.dtype == np.int32
    assert data.y.tolist() == [0, 0, 1, 1, 1]  # sorted paths: cats/ first
    assert data.num_classes == 2
    assert data.report.files_read == 5 and data.report.skipped == []
    assert data.report.classes == ["cats", "dogs"]
    # cats are red, dogs green: labels line up with pixels
    assert data.x[0, 8, 8, 0] > 0.7 and data.x[4, 8, 8, 1] > 0.7
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0


def test_root_files_beside_subfolders_get_the_root_class(tmp_path):
    gray_png(tmp_path / "a" / "1.png")
    gray_png(tmp_path / "b" / "1.png")
    gray_png(tmp_path / "loose.png")

    data = load_images(tmp_path)

    assert data.class_names == [files.ROOT_CLASS, "a", "b"]
    assert sorted(data.y.tolist()) == [0, 1, 2]


def test_folder_without_subfolders_is_unlabeled(tmp_path):
    for i in range(3):
        gray_png(tmp_path / f"{i}.png", value=40 * i)

    data = load_images(tmp_path)

    assert data.y is None and data.class_names is None and data.num_classes == 0
    assert data.report.classes == []
    assert len(data) == 3


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_named_like_an_image_is_skipped_not_waited_on(tmp_path):
    import threading

    for i in range(2):
        gray_png(tmp_path / f"{i}.png", value=40 * i)
    os.mkfifo(tmp_path / "x.png")
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(data=load_images(tmp_path)),
                              daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the loader waited on the FIFO"
    data = result["data"]
    assert len(data) == 2
    assert [(s.path, s.reason) for s in data.report.skipped] == [
        ("x.png", "not a regular file (a pipe, device or socket)")]


@needs_fifo
@pytest.mark.timeout(120, method="signal")  # a hang fails this test, not the session
def test_a_fifo_given_as_a_points_table_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)

    for load in (load_user_data, load_points):
        with pytest.raises(DataError, match=r"data\.csv' is not a regular file \(a pipe"):
            load(fifo)


@needs_fifo
@pytest.mark.timeout(120, method="signal")  # a hang fails this test, not the session
def test_a_fifo_given_as_an_array_or_zip_file_is_refused_not_waited_on(tmp_path):
    arrays = tmp_path / "data.npz"
    archive = tmp_path / "pets.zip"
    os.mkfifo(arrays)
    os.mkfifo(archive)

    for load in (load_user_data, load_images, load_points):
        with pytest.raises(DataError, match=r"data\.npz' is not a regular file"):
            load(arrays)
    with pytest.raises(DataError, match=r"pets\.zip' is not a regular file"):
        load_images(archive)


@needs_fifo
@pytest.mark.timeout(120, method="signal")  # a hang fails this test, not the session
def test_a_fifo_named_captions_txt_is_not_waited_on(tmp_path):
    gray_png(tmp_path / "a.png")
    gray_png(tmp_path / "b.png")
    os.mkfifo(tmp_path / "captions.txt")

    data = load_images(tmp_path)

    assert len(data) == 2 and data.captions is None
    assert data.report.caption_issues == [
        "captions.txt could not be read (not a regular file (a pipe, device or socket)), "
        "so no caption was used."
    ]


def test_a_caption_file_over_the_member_limit_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_MEMBER_BYTES", 10)
    gray_png(tmp_path / "a.png")
    (tmp_path / "captions.txt").write_text("a.png a gray square\n")

    data = load_images(tmp_path)

    assert data.captions is None
    assert data.report.caption_issues == [
        "captions.txt could not be read (too large (20 bytes)), so no caption was used."]


@needs_symlinks
def test_a_caption_file_linked_from_outside_is_not_read(tmp_path):
    outside = tmp_path / "captions.txt"
    outside.write_text("a.png a secret\n")
    root = tmp_path / "data"
    gray_png(root / "a.png")
    (root / "captions.txt").symlink_to(outside)

    data = load_images(root)

    assert data.captions is None and data.report.caption_issues == []
    assert reasons(data)["captions.txt"].startswith("link leads outside the dataset folder")


def test_nested_folders_are_searched_recursively(tmp_path):
    gray_png(tmp_path / "birds" / "2020" / "june" / "deep.png")
    gray_png(tmp_path / "birds" / "top.png")
    gray_png(tmp_path / "fish" / "a" / "b" / "c.png")

    data = load_images(tmp_path)

    assert len(data) == 3
    assert data.class_names == ["birds", "fish"]  # first-level folder, however deep the file
    assert data.y.tolist() == [0, 0, 1]


@needs_symlinks
def test_links_inside_the_folder_are_followed_each_folder_once(tmp_path):
    root = tmp_path / "data"
    gray_png(root / "cats" / "1.png")
    gray_png(root / "cats" / "inner" / "2.png")
    (root / "dogs").symlink_to(root / "cats" / "inner", target_is_directory=True)
    (root / "cats" / "loop").symlink_to(root, target_is_directory=True)
    (root / "cats" / "again.png").symlink_to(root / "cats" / "1.png")

    data = load_images(root)

    # inner is met first as "dogs" (shallower), so it is searched there and only there
    assert data.class_names == ["cats", "dogs"] and data.y.tolist() == [0, 0, 1]
    assert len(data) == 3 and data.report.skipped == []


@needs_symlinks
def test_links_leading_outside_the_folder_are_skipped_unless_asked(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    gray_png(elsewhere / "x.png")
    root = tmp_path / "data"
    gray_png(root / "cats" / "1.png")
    (root / "dogs").symlink_to(elsewhere, target_is_directory=True)
    (root / "cats" / "far.png").symlink_to(elsewhere / "x.png")
    (elsewhere / "back").symlink_to(root, target_is_directory=True)  # a loop through outside
    real = os.path.realpath(elsewhere)

    kept_in = load_images(root)
    followed = load_images(root, follow_links=True)

    assert len(kept_in) == 1 and kept_in.class_names is None
    assert reasons(kept_in) == {
        "cats/far.png": f"link leads outside the dataset folder ({real}/x.png)",
        "dogs": f"link leads outside the dataset folder ({real})",
    }
    assert followed.class_names == ["cats", "dogs"] and len(followed) == 3
    assert followed.report.skipped == []
    assert load_user_data(root, follow_links=True).class_names == ["cats", "dogs"]
    from ganstudio.config import DataConfig
    from ganstudio.core.data.registry import load_dataset

    setting = DataConfig(name=str(root), follow_links=True)  # --set data.follow_links=true
    assert len(load_dataset(setting)) == 3 and len(load_dataset(DataConfig(name=str(root)))) == 1


@needs_symlinks
def test_dangling_links_and_loops_of_links_are_skipped_with_a_reason(tmp_path):
    gray_png(tmp_path / "ok.png")
    (tmp_path / "gone.png").symlink_to(tmp_path / "missing.png")
    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")

    data = load_images(tmp_path)

    assert len(data) == 1
    found = reasons(data)
    missing = os.path.join(os.path.realpath(tmp_path), "missing.png")
    assert found["gone.png"] == f"dangling link (nothing at {missing})"
    assert found["a.png"].startswith("unreadable link (") and found["b.png"] == found["a.png"]


def test_a_1200_deep_folder_loads_the_images_within_the_depth_bound(tmp_path):
    folders = [tmp_path]
    for _ in range(1200):  # os.makedirs would recurse 1,200 deep itself
        folders.append(folders[-1] / "d")
        os.mkdir(folders[-1])
    for depth in (1, files.MAX_FOLDER_DEPTH, files.MAX_FOLDER_DEPTH + 1, 1000, 1200):
        gray_png(folders[depth] / f"at{depth}.png")
    try:
        start = time.perf_counter()
        data = load_images(tmp_path)
        seconds = time.perf_counter() - start
    finally:
        for depth in range(1200, 0, -1):  # shutil.rmtree recurses too
            for image in folders[depth].glob("*.png"):
                image.unlink()
            folders[depth].rmdir()

    assert len(data) == 2  # depths 1 and 32; the folders below 32 levels are not searched
    assert seconds < 5
    (path, reason), = ((s.path, s.reason) for s in data.report.skipped)
    assert path == "/".join(["d"] * 33)
    assert reason == (
        "folders nested more than 32 levels deep are not searched (this one is 33 deep)")


def test_the_folders_left_out_for_their_depth_are_counted_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FOLDER_DEPTH", 2)
    for folder in ("a", "a/b", "a/b/c", "a/b/d", "e/f/g/h"):
        gray_png(tmp_path / folder / "x.png")

    data = load_images(tmp_path)

    assert len(data) == 2  # a/x.png and a/b/x.png; a/b/c, a/b/d and e/f/g are 3 deep
    assert [(s.path, s.reason) for s in data.report.skipped] == [(
        "a/b/c",
        "folders nested more than 2 levels deep are not searched (this one is 3 deep; "
        "2 more such folders)",
    )]


def test_a_folder_tree_with_too_many_entries_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FOLDER_ENTRIES", 5)
    for i in range(3):
        gray_png(tmp_path / "a" / f"{i}.png")
        gray_png(tmp_path / "b" / f"{i}.png")

    with pytest.raises(DataError, match=r"holds more than 5 files and folders") as caught:
        load_images(tmp_path)
    assert ".npy" in str(caught.value)


def test_a_single_top_folder_is_looked_through(tmp_path):
    gray_png(tmp_path / "dataset" / "cats" / "1.png")
    gray_png(tmp_path / "dataset" / "dogs" / "1.png")

    data = load_images(tmp_path)

    assert data.class_names == ["cats", "dogs"]


def test_a_class_whose_files_all_fail_is_not_listed(tmp_path):
    gray_png(tmp_path / "cats" / "1.png")
    gray_png(tmp_path / "dogs" / "1.png")
    (tmp_path / "stray.png").write_bytes(b"")  # would be "(root)"

    data = load_images(tmp_path)

    assert data.class_names == ["cats", "dogs"]
    assert reasons(data) == {"stray.png": "zero bytes"}


def test_hidden_files_are_ignored_and_other_types_reported(tmp_path):
    gray_png(tmp_path / "ok.png")
    (tmp_path / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    gray_png(tmp_path / ".hidden.png")
    gray_png(tmp_path / ".git" / "inside.png")
    (tmp_path / "notes.txt").write_text("my images")
    (tmp_path / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")

    data = load_images(tmp_path)

    assert len(data) == 1
    assert reasons(data) == {
        "Thumbs.db": "not an image file type",
        "notes.txt": "not an image file type",
    }


def test_limit_keeps_the_first_images_in_sorted_path_order(tmp_path):
    for i in (3, 0, 4, 1, 2):
        gray_png(tmp_path / f"img{i}.png", value=50 * i)

    data = load_images(tmp_path, limit=2)

    assert len(data) == 2
    np.testing.assert_allclose(data.x[:, 0, 0, 0], [0.0, 50 / 255], atol=1e-6)


def test_limit_counts_usable_images_only(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    gray_png(tmp_path / "b.png")
    gray_png(tmp_path / "c.png")

    data = load_images(tmp_path, limit=1)

    assert len(data) == 1 and data.report.files_read == 1
    assert list(reasons(data)) == ["a.png"]


def test_image_extensions_are_case_insensitive(tmp_path):
    gray_png(tmp_path / "UPPER.PNG")
    save(tmp_path / "photo.JPeG", Image.new("L", (16, 16), 99), "JPEG")

    assert len(load_images(tmp_path)) == 2
    assert ".png" in SUPPORTED_IMAGE_SUFFIXES and ".jpg" in SUPPORTED_IMAGE_SUFFIXES


# --------------------------------------------------------------------------------------------
# Zip archives


def make_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def patch_member(path: Path, member: str, *, size: int | None = None, crc: int | None = None):
    """Makes a member's headers lie: its unpacked size or CRC-32, in both of its headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(member).header_offset
    directory = struct.unpack_from("<I", data, data.rfind(b"PK\x05\x06") + 16)[0]
    central = [at for at in range(directory, len(data) - 46)
               if data[at : at + 4] == b"PK\x01\x02"
               and data[at + 46 : at + 46 + len(member)] == member.encode()]
    for field, value in (("size", size), ("crc", crc)):
        if value is not None:
            struct.pack_into("<I", data, local + (22 if field == "size" else 14), value)
            struct.pack_into("<I", data, central[0] + (24 if field == "size" else 16), value)
    path.write_bytes(bytes(data))


def test_zip_follows_the_folder_rules_without_extracting(tmp_path):
    red = png_bytes(Image.new("RGB", (12, 12), (255, 0, 0)))
    blue = png_bytes(Image.new("RGB", (12, 12), (0, 0, 255)))
    archive = make_zip(
        tmp_path / "pets.zip",
        {
            "pets/cats/a.png": red,
            "pets/cats/b.png": red,
            "pets/dogs/a.png": blue,
            "pets/readme.txt": b"hello",
            "__MACOSX/pets/cats/._a.png": b"\0\5\26\7junk",
            "pets/.hidden.png": red,
        },
    )
    before = sorted(p.name for p in tmp_path.iterdir())

    data = load_images(archive)

    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing extracted
    assert data.class_names == ["cats", "dogs"]
    assert data.y.tolist() == [0, 0, 1]
    assert data.x.shape == (3, 12, 12, 3)
    assert reasons(data) == {"pets/readme.txt": "not an image file type"}
    assert data.report.source == str(archive)


def test_zip_bad_members_are_skipped(tmp_path):
    good = png_bytes(Image.new("L", (10, 10), 7))
    archive = make_zip(
        tmp_path / "mixed.zip",
        {"good.png": good, "empty.png": b"", "text.png": b"not an image at all"},
    )

    data = load_images(archive)

    assert len(data) == 1
    found = reasons(data)
    assert found["empty.png"] == "zero bytes"
    assert found["text.png"].startswith("not an image")


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA],
    ids=["deflate", "bzip2", "lzma"])
def test_a_zip_member_unpacking_to_more_than_it_declares_is_skipped_early(tmp_path, method):
    good = png_bytes(Image.new("L", (10, 10), 7))
    archive = make_zip(tmp_path / "lies.zip",
                       {"good.png": good, "bomb.png": bytes(50 * 2**20)}, method)
    patch_member(archive, "bomb.png", size=1000)  # 50 MB of zeros declared as 1,000 bytes

    data, peak = peak_memory(lambda: load_images(archive))

    assert len(data) == 1
    assert reasons(data) == {"bomb.png": "unpacks to more than its declared size (1000 bytes)"}
    assert peak < 4 * 2**20  # zipfile.ZipFile.read unpacked it whole first: 127 MiB at peak


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA],
    ids=["stored", "deflate", "bzip2", "lzma"])
def test_zip_members_are_read_whatever_their_compression(tmp_path, method):
    images = {f"{i}.png": png_bytes(noise((16 + i, 16))) for i in range(3)}
    archive = make_zip(tmp_path / "z.zip", {**images, "captions.txt": b"0.png zero\n"}, method)

    data = load_images(archive)

    assert len(data) == 1 and data.captions == ["zero"]
    assert reasons(data)["1.png"].startswith("no caption")


def test_zip_members_declaring_more_than_the_limit_are_skipped_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_MEMBER_BYTES", 1000)
    archive = make_zip(tmp_path / "big.zip", {"small.png": png_bytes(Image.new("L", (4, 4))),
                                              "big.png": png_bytes(noise())})

    data = load_images(archive)

    assert len(data) == 1
    size = zipfile.ZipFile(archive).getinfo("big.png").file_size
    assert reasons(data) == {"big.png": f"too large ({size} bytes unpacked)"}


def test_zip_members_whose_data_do_not_match_their_header_are_skipped(tmp_path):
    png = png_bytes(Image.new("L", (8, 8), 9))
    archive = make_zip(tmp_path / "bad.zip", {"ok.png": png, "crc.png": png, "short.png": png},
                       zipfile.ZIP_DEFLATED)
    patch_member(archive, "crc.png", crc=12345)
    patch_member(archive, "short.png", size=len(png) + 10)

    data = load_images(archive)

    assert len(data) == 1
    assert reasons(data) == {
        "crc.png": "unreadable (corrupt zip member: bad CRC-32)",
        "short.png": f"unreadable (corrupt zip member: it unpacks to {len(png)} bytes, "
                     f"not the {len(png) + 10} it declares)",
    }


def test_corrupt_zip_raises_data_error(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")

    with pytest.raises(DataError, match=r"broken\.zip.*not a readable \.zip"):
        load_images(archive)


def test_truncated_zip_raises_data_error(tmp_path):
    full = make_zip(tmp_path / "full.zip", {"a.png": png_bytes(noise())})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[:-30])  # central directory gone

    with pytest.raises(DataError, match="cut.zip"):
        load_images(cut)


# --------------------------------------------------------------------------------------------
# Arrays (.npz / .npy images)


def test_npz_uint8_rgb_with_labels(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (6, 16, 16, 3), dtype=np.uint8)
    y = np.array([0, 1, 2, 0, 1, 2])
    np.savez(tmp_path / "d.npz", x=x, y=y)

    data = load_images(tmp_path / "d.npz")

    assert data.x.shape == (6, 16, 16, 3) and data.x.dtype == np.float32
    np.testing.assert_allclose(data.x, x / 255.0, atol=1e-6)
    assert data.y.tolist() == y.tolist() and data.y.dtype == np.int32
    assert data.num_classes == 3
    assert data.report.files_read == 1 and data.report.sizes == {"16x16": 6}


def test_npz_float_unit_range_grayscale_without_labels(tmp_path):
    x = np.linspace(0, 1, 5 * 10 * 10, dtype=np.float32).reshape(5, 10, 10)
    np.savez(tmp_path / "g.npz", x=x)

    data = load_images(tmp_path / "g.npz")

    assert data.x.shape == (5, 10, 10, 1) and data.y is None
    np.testing.assert_allclose(data.x[..., 0], x, atol=1e-6)


def test_npz_float_minus_one_to_one_maps_to_unit_range(tmp_path):
    x = np.full((2, 8, 8), -1.0, np.float32)
    x[1] = 1.0
    np.savez(tmp_path / "t.npz", x=x)

    data = load_images(tmp_path / "t.npz")

    np.testing.assert_allclose(data.x[0], 0.0)
    np.testing.assert_allclose(data.x[1], 1.0)


def test_npz_without_x_names_the_keys_it_has(tmp_path):
    np.savez(tmp_path / "odd.npz", images=np.zeros((2, 8, 8)), labels=np.zeros(2))

    with pytest.raises(DataError) as caught:
        load_images(tmp_path / "odd.npz")

    message = str(caught.value)
    assert "odd.npz" in message and "'x'" in message
    assert "'images'" in message and "'labels'" in message


def test_npz_labels_must_match_the_examples(tmp_path):
    np.savez(tmp_path / "m.npz", x=np.zeros((4, 8, 8), np.uint8), y=np.zeros(3, np.int64))

    with pytest.raises(DataError, match="y has shape"):
        load_images(tmp_path / "m.npz")


def test_npz_rgba_is_composited_on_white_and_nchw_is_transposed(tmp_path):
    x = np.zeros((2, 4, 8, 8), np.uint8)  # NCHW, C = 4
    x[0, 0] = 255  # red, opaque
    x[0, 3] = 255
    x[1, 3] = 0  # fully transparent black -> white
    np.savez(tmp_path / "a.npz", x=x)

    data = load_images(tmp_path / "a.npz")

    assert data.x.shape == (2, 8, 8, 3)
    np.testing.assert_allclose(data.x[0, 0, 0], [1.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(data.x[1], 1.0, atol=1e-6)


def test_npz_non_finite_images_are_skipped_and_reported(tmp_path):
    x = np.random.default_rng(2).random((4, 8, 8)).astype(np.float32)
    x[2, 3, 3] = np.nan
    np.savez(tmp_path / "n.npz", x=x)

    data = load_images(tmp_path / "n.npz")

    assert len(data) == 3
    (skip,) = data.report.skipped
    assert "1 images skipped (not finite)" in skip.reason and "index 2" in skip.reason


def test_npz_out_of_range_values_raise(tmp_path):
    np.savez(tmp_path / "r.npz", x=np.full((2, 8, 8), 1000.0))

    with pytest.raises(DataError, match="values run from 1000 to 1000"):
        load_images(tmp_path / "r.npz")


def test_npz_images_are_resized_to_the_requested_size(tmp_path):
    np.savez(tmp_path / "s.npz", x=np.full((3, 20, 30, 3), 0.25, np.float32))

    data = load_images(tmp_path / "s.npz", image_size=12, color="rgb")

    assert data.x.shape == (3, 12, 12, 3)
    np.testing.assert_allclose(data.x, 0.25, atol=1e-4)


# --------------------------------------------------------------------------------------------
# Lists of files and single files


def test_list_of_files_keeps_the_given_order_and_reports_missing(tmp_path):
    bright = gray_png(tmp_path / "a" / "bright.png", value=250)
    dark = gray_png(tmp_path / "b" / "dark.png", value=5)
    missing = tmp_path / "nope.png"

    data = load_images([str(dark), bright, missing])

    assert len(data) == 2 and data.y is None
    assert data.x[0, 0, 0, 0] < 0.1 and data.x[1, 0, 0, 0] > 0.9
    assert reasons(data) == {str(missing): "not found"}


def test_single_image_file(tmp_path):
    path = rgb_png(tmp_path / "one.png", size=(20, 10))

    data = load_images(path)

    assert data.x.shape == (1, 10, 10, 3) and data.y is None


# --------------------------------------------------------------------------------------------
# Bad files: each is skipped with a reason, never a crash


def test_zero_byte_file_is_skipped(tmp_path):
    gray_png(tmp_path / "ok.png")
    (tmp_path / "empty.jpg").write_bytes(b"")

    data = load_images(tmp_path)

    assert len(data) == 1 and reasons(data) == {"empty.jpg": "zero bytes"}


def test_text_with_an_image_suffix_is_not_an_image(tmp_path):
    gray_png(tmp_path / "ok.png")
    (tmp_path / "fake.png").write_text("I am a text file")

    data = load_images(tmp_path)

    assert len(data) == 1
    assert reasons(data)["fake.png"].startswith("not an image (")


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg")])
def test_truncated_image_is_skipped(tmp_path, fmt, suffix):
    gray_png(tmp_path / "ok.png")
    data = png_bytes(noise(), fmt)
    (tmp_path / f"cut{suffix}").write_bytes(data[: len(data) // 2])

    loaded = load_images(tmp_path)

    assert len(loaded) == 1
    assert reasons(loaded)[f"cut{suffix}"].startswith("corrupt or truncated image data")


def test_decompression_bomb_guard_of_our_own(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_IMAGE_PIXELS", 1000)
    gray_png(tmp_path / "small.png", size=(30, 30))
    gray_png(tmp_path / "huge.png", size=(40, 30))

    data = load_images(tmp_path)

    assert len(data) == 1
    assert reasons(data) == {"huge.png": "too large (decompression-bomb guard: 40×30 pixels)"}


def test_pillow_decompression_bomb_warning_and_error_are_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    gray_png(tmp_path / "ok.png", size=(20, 20))  # 400 pixels
    gray_png(tmp_path / "warns.png", size=(40, 40))  # 1600: Pillow warns (turned into a skip)
    gray_png(tmp_path / "errors.png", size=(50, 50))  # 2500 > 2x limit: Pillow raises
    filters_before = list(warnings.filters)

    data = load_images(tmp_path)

    assert len(data) == 1
    found = reasons(data)
    assert found["warns.png"] == "too large (decompression-bomb guard: 1600 pixels)"
    assert found["errors.png"] == "too large (decompression-bomb guard: 2500 pixels)"
    assert list(warnings.filters) == filters_before  # the warning filter is put back


def test_unreadable_file_is_skipped_simulated(tmp_path, monkeypatch):
    gray_png(tmp_path / "ok.png")
    locked = gray_png(tmp_path / "locked.png")

    real_open = os.open

    def fake_open(path, *args, **kwargs):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)

    data = load_images(tmp_path)

    assert len(data) == 1
    assert reasons(data) == {"locked.png": "unreadable (Permission denied)"}


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads chmod-000 files"
)
def test_unreadable_file_is_skipped_chmod(tmp_path):
    gray_png(tmp_path / "ok.png")
    locked = gray_png(tmp_path / "locked.png")
    locked.chmod(0)
    try:
        data = load_images(tmp_path)
    finally:
        locked.chmod(0o644)

    assert len(data) == 1
    assert reasons(data)["locked.png"].startswith("unreadable (")


def test_unsupported_mode_is_skipped(tmp_path):
    gray_png(tmp_path / "ok.png")
    save(tmp_path / "lab.tif", Image.new("LAB", (8, 8), (50, 0, 0)), "TIFF")

    data = load_images(tmp_path)

    assert len(data) == 1
    assert reasons(data) == {"lab.tif": "unsupported image mode (LAB)"}


def test_every_file_bad_raises_a_clear_data_error(tmp_path):
    (tmp_path / "a.png").write_text("text")
    (tmp_path / "b.jpg").write_text("more text")
    (tmp_path / "c.png").write_bytes(b"")

    with pytest.raises(DataError) as caught:
        load_images(tmp_path)

    message = str(caught.value)
    assert str(tmp_path) in message
    assert "no usable images" in message and "3 files skipped" in message
    assert "2 not an image" in message and "1 zero bytes" in message
    assert ".png" in message  # says what to add


def test_missing_path_raises_naming_it(tmp_path):
    missing = tmp_path / "does" / "not" / "exist"

    with pytest.raises(DataError, match="does not exist") as caught:
        load_images(missing)
    assert str(missing) in str(caught.value)
    with pytest.raises(DataError, match="does not exist"):
        load_user_data(str(missing) + ".csv")


def test_empty_folder_raises(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "hidden_only").mkdir()
    (tmp_path / "hidden_only" / ".DS_Store").write_bytes(b"x")

    for folder in ("empty", "hidden_only"):
        with pytest.raises(DataError, match=f"no files found in '.*{folder}'"):
            load_images(tmp_path / folder)


def test_unknown_file_type_raises(tmp_path):
    (tmp_path / "model.h5").write_bytes(b"\x89HDF")

    with pytest.raises(DataError, match=r"model\.h5"):
        load_user_data(tmp_path / "model.h5")


# --------------------------------------------------------------------------------------------
# Size, crop and color


def test_default_size_is_the_most_common_size_capped_at_64(tmp_path):
    for i in range(3):
        gray_png(tmp_path / f"big{i}.png", size=(200, 120))
    gray_png(tmp_path / "small.png", size=(20, 20))

    data = load_images(tmp_path)

    assert data.x.shape[1:3] == (64, 64)
    assert data.report.sizes == {"200x120": 3, "20x20": 1}


def test_default_size_uses_the_shorter_side_of_the_most_common_size(tmp_path):
    for i in range(3):
        gray_png(tmp_path / f"a{i}.png", size=(30, 24))
    gray_png(tmp_path / "b.png", size=(50, 50))

    assert load_images(tmp_path).shape == (24, 24, 1)


def test_default_size_is_at_least_8(tmp_path):
    gray_png(tmp_path / "tiny.png", size=(4, 4))

    assert load_images(tmp_path).shape == (8, 8, 1)


def test_explicit_size_and_center_crop(tmp_path):
    stripes = np.zeros((10, 30, 3), np.uint8)
    stripes[:, :10] = (255, 0, 0)
    stripes[:, 10:20] = (0, 255, 0)
    stripes[:, 20:] = (0, 0, 255)
    save(tmp_path / "wide.png", Image.fromarray(stripes))

    data = load_images(tmp_path, image_size=10)

    assert data.x.shape == (1, 10, 10, 3)
    np.testing.assert_allclose(data.x[0].mean(axis=(0, 1)), [0, 1, 0], atol=0.02)


def test_auto_color_is_grayscale_when_no_image_has_color(tmp_path):
    gray_png(tmp_path / "l.png", value=10)
    rgb_png(tmp_path / "rgb_but_gray.png", rgb=(90, 90, 90))
    save(tmp_path / "gray.jpg", Image.new("RGB", (16, 16), (120, 120, 120)), "JPEG")

    data = load_images(tmp_path)

    assert data.shape == (16, 16, 1)


def test_auto_color_is_rgb_when_any_image_has_color(tmp_path):
    gray_png(tmp_path / "a.png", value=10)
    rgb_png(tmp_path / "b.png", rgb=(250, 0, 0))

    data = load_images(tmp_path)

    assert data.shape == (16, 16, 3)
    np.testing.assert_allclose(data.x[0, 0, 0], [10 / 255] * 3, atol=1e-6)  # gray replicated


def test_color_can_be_forced(tmp_path):
    gray_png(tmp_path / "a.png", value=100)
    rgb_png(tmp_path / "b.png", rgb=(255, 0, 0))

    assert load_images(tmp_path, color="grayscale").shape == (16, 16, 1)
    gray = load_images(tmp_path / "a.png", color="rgb")
    assert gray.shape == (16, 16, 3)
    np.testing.assert_allclose(gray.x[0, 0, 0], [100 / 255] * 3, atol=1e-6)


def test_rgba_is_composited_on_white(tmp_path):
    pixels = np.zeros((8, 8, 4), np.uint8)
    pixels[:4] = (255, 0, 0, 255)  # top: opaque red
    pixels[4:] = (0, 0, 0, 0)  # bottom: transparent black
    save(tmp_path / "rgba.png", Image.fromarray(pixels, "RGBA"))

    data = load_images(tmp_path)

    assert data.shape == (8, 8, 3)
    np.testing.assert_allclose(data.x[0, 0, 0], [1, 0, 0], atol=1e-6)
    np.testing.assert_allclose(data.x[0, 7, 7], [1, 1, 1], atol=1e-6)


def test_other_modes_are_converted_sensibly(tmp_path):
    la = np.zeros((8, 8, 2), np.uint8)  # black, fully transparent -> white
    save(tmp_path / "la.png", Image.fromarray(la, "LA"))
    save(tmp_path / "bits.png", Image.new("1", (8, 8), 1))
    deep = np.full((8, 8), 65535, np.uint16)
    save(tmp_path / "deep16.png", Image.fromarray(deep))
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    save(tmp_path / "palette.png", palette)
    save(tmp_path / "float.tif", Image.fromarray(np.full((8, 8), 0.5, np.float32), "F"))

    data = load_images(tmp_path)

    assert data.report.skipped == [] and data.shape == (8, 8, 1)
    names = ["bits", "deep16", "float", "la", "palette"]  # sorted file names
    means = dict(zip(names, data.x.mean(axis=(1, 2, 3)), strict=True))
    assert means["la"] == pytest.approx(1.0)
    assert means["bits"] == pytest.approx(1.0)
    assert means["deep16"] == pytest.approx(1.0)
    assert means["palette"] == pytest.approx(1.0)
    assert means["float"] == pytest.approx(128 / 255, abs=1 / 255)


def test_cmyk_and_palette_transparency(tmp_path):
    save(tmp_path / "cmyk.jpg", Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG")  # red
    palette = Image.new("P", (8, 8), 0)
    palette.putpalette([0, 0, 255] + [0] * 765)
    save(tmp_path / "trans.png", palette, transparency=0)  # all transparent -> white

    data = load_images(tmp_path, color="rgb")

    assert data.report.skipped == []
    cmyk, trans = data.x
    assert cmyk[4, 4, 0] > 0.9 and cmyk[4, 4, 1] < 0.1
    np.testing.assert_allclose(trans, 1.0, atol=1e-6)


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((20, 40, 3), np.uint8)  # 40 wide, 20 high: left half red
    pixels[:, :20] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    save(tmp_path / "turned.png", Image.fromarray(pixels), exif=exif)

    data = load_images(tmp_path)

    assert data.report.sizes == {"20x40": 1}  # as displayed: 20 wide, 40 high
    image = data.x[0]  # the middle 20 x 20: the upper half is red after turning
    assert image[2, 10, 0] > 0.9 and image[17, 10, 0] < 0.1


# --------------------------------------------------------------------------------------------
# Points


def test_csv_with_header(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x,y\n1.5,2\n-3,4e1\n")

    data = load_points(path)

    assert data.kind == POINTS and data.x.dtype == np.float32
    np.testing.assert_allclose(data.x, [[1.5, 2.0], [-3.0, 40.0]])
    assert data.y is None  # "y" names a coordinate, not labels
    assert data.report.files_read == 1 and data.report.skipped == []
    assert data.value_range == (-3.0, 40.0)


def test_csv_without_header_and_three_columns_is_3d(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("1,2,0\n3,4,1\n5,6,1\n")

    data = load_points(path)

    assert data.x.shape == (3, 3) and data.y is None


def test_csv_label_column_named_in_the_header(tmp_path):
    path = tmp_path / "labeled.csv"
    path.write_text("a,b,label\n0,0,dog\n1,1,cat\n2,2,dog\n")
    numeric = tmp_path / "numeric.csv"
    numeric.write_text("Class,a,b\n2,0,0\n0,1,1\n")

    words = load_points(path)
    numbers = load_points(numeric)

    assert words.x.shape == (3, 2)
    assert words.class_names == ["cat", "dog"] and words.y.tolist() == [1, 0, 1]
    assert numbers.y.tolist() == [2, 0] and numbers.y.dtype == np.int32
    np.testing.assert_allclose(numbers.x, [[0, 0], [1, 1]])


def test_whitespace_separated_text_with_comments(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("# made by hand\n1 2\n\n3\t4\n  5   6  \n")

    data = load_points(path)

    np.testing.assert_allclose(data.x, [[1, 2], [3, 4], [5, 6]])


def test_semicolon_separated(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("1;2\n3;4\n")

    np.testing.assert_allclose(load_points(path).x, [[1, 2], [3, 4]])


def test_bad_rows_are_skipped_and_summarized(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x,y\n1,2\nnan,3\n4,inf\nabc,5\n6\n7,8\n")

    data = load_points(path)

    np.testing.assert_allclose(data.x, [[1, 2], [7, 8]])
    skipped = [s.reason for s in data.report.skipped]
    assert "2 rows skipped (not finite): lines 3, 4" in skipped
    assert "1 rows skipped (not a number): lines 5" in skipped
    assert "1 rows skipped (wrong number of columns): lines 6" in skipped
    assert all(s.path == str(path) for s in data.report.skipped)


def test_points_with_nothing_usable_raise(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,nan\nfoo,bar,baz\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("# nothing here\n\n")

    with pytest.raises(DataError, match=r"no usable points in '.*bad\.csv'"):
        load_points(bad)
    with pytest.raises(DataError, match="empty"):
        load_points(empty)


def test_points_limit(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("".join(f"{i},{i}\n" for i in range(10)))

    assert load_points(path, limit=4).x[:, 0].tolist() == [0, 1, 2, 3]


def test_a_126_mb_csv_on_one_line_is_refused_after_its_first_megabyte(tmp_path):
    path = tmp_path / "one_line.csv"
    with path.open("wb") as out:
        for _ in range(126):
            out.write(b"1," * 2**19)  # 1 MiB a time: 126 MiB, no newline

    def refused() -> float:
        start = time.perf_counter()
        with pytest.raises(DataError, match=r"line 1 of '.*one_line\.csv' is longer than "
                                            r"1,000,000 characters\. .*\.npy array"):
            load_points(path)
        return time.perf_counter() - start

    seconds, peak = peak_memory(refused)
    path.unlink()

    assert peak < 16 * 2**20 and seconds < 2  # it took 43 s and 9 GiB before


def test_points_are_held_as_float32_while_a_table_is_read(tmp_path):
    rng = np.random.default_rng(5)
    values = rng.normal(size=(30_000, 9)).astype(np.float32)
    labels = rng.integers(0, 10, len(values))
    path = tmp_path / "big.csv"
    np.savetxt(path, np.column_stack([values, labels]), delimiter=",", fmt="%.7g",
               header="a,b,c,d,e,f,g,h,i,label", comments="")

    data, peak = peak_memory(lambda: load_points(path))

    np.testing.assert_allclose(data.x, values, rtol=1e-6)
    assert data.y.tolist() == labels.tolist()
    assert peak < 2 * values.nbytes  # Python floats in lists took 14 times x


def test_point_tables_past_their_bounds_are_refused(tmp_path, monkeypatch):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["1"] * 5000) + "\n")
    rows = tmp_path / "rows.csv"
    rows.write_text("".join(f"{i},{i}\n" for i in range(10)))

    with pytest.raises(DataError, match=r"wide\.csv' has 5,000 columns; a points table may "
                                        r"have 4,096 at most\. .*folder of image files"):
        load_points(wide)
    monkeypatch.setattr(files, "MAX_POINT_ROWS", 5)
    with pytest.raises(DataError, match=r"rows\.csv' has more than 5 rows of points\. Give a "
                                        r"limit"):
        load_user_data(rows)
    assert len(load_points(rows, limit=5)) == 5
    monkeypatch.setattr(files, "MAX_TABLE_BYTES", 10)
    with pytest.raises(DataError, match=r"rows\.csv' holds 40 bytes; a points table may hold "
                                        r"10 bytes at most"):
        load_points(rows)


def test_an_unclosed_quote_stops_at_the_csv_field_limit(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('x,y\n1,2\n"3' + ",4\n5" * 40_000 + "\n")

    with pytest.raises(DataError, match=r"line \d+ of '.*quote\.csv' cannot be read "
                                        r"\(field larger than field limit"):
        load_points(path)


def test_many_bad_rows_are_counted_and_the_first_listed(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x,y\n1,2\n" + "a,b\n" * 5000)

    data = load_points(path)

    assert [s.reason for s in data.report.skipped] == [
        "5000 rows skipped (not a number): lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ..."]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_point_tables_in_utf8_or_with_a_utf16_or_utf32_byte_order_mark(tmp_path, encoding):
    text = "# façade\nx;y;label\n1;2;chat\n3;4;café\n"
    mark = {"utf-16-be": "\ufeff"}.get(encoding, "")  # "utf-16" and "utf-32" write their own
    path = tmp_path / "p.csv"
    path.write_bytes((mark + text).encode(encoding))

    data = load_points(path)

    np.testing.assert_allclose(data.x, [[1, 2], [3, 4]])
    assert data.class_names == ["café", "chat"] and data.y.tolist() == [1, 0]


def test_point_tables_that_are_not_text_are_refused(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("x,y,label\n1,2,café\n".encode("latin-1"))
    no_mark = tmp_path / "no_mark.csv"
    no_mark.write_bytes("x,y\n1,2\n".encode("utf-16-le"))
    binary = tmp_path / "binary.dat"
    binary.write_bytes(bytes(range(256)) * 4)

    with pytest.raises(DataError, match=r"latin\.csv' is not UTF-8 or UTF-16 text \(byte 0xe9: "
                                        r"invalid continuation byte\)\. Save it as UTF-8"):
        load_points(latin)
    with pytest.raises(DataError, match=r"no_mark\.csv' holds NUL characters \(line 1\)"):
        load_points(no_mark)
    with pytest.raises(DataError, match=r"binary\.dat' (holds NUL|is not UTF-8)"):
        load_user_data(binary)


def test_npy_points(tmp_path):
    x = np.random.default_rng(3).normal(size=(50, 2)) * 100 + 7
    np.save(tmp_path / "p.npy", x)
    np.save(tmp_path / "line.npy", np.arange(5.0))

    data = load_points(tmp_path / "p.npy")

    assert data.kind == POINTS and data.x.dtype == np.float32
    np.testing.assert_allclose(data.x, x, rtol=1e-6)  # original coordinates
    assert load_points(tmp_path / "line.npy").x.shape == (5, 1)


def test_npy_points_non_finite_rows_are_skipped(tmp_path):
    x = np.ones((5, 3))
    x[1, 2] = np.inf
    x[3, 0] = np.nan
    np.save(tmp_path / "p.npy", x)

    data = load_points(tmp_path / "p.npy")

    assert len(data) == 3
    assert data.report.skipped[0].reason == "2 rows skipped (not finite): index 1, 3"


def test_npy_with_the_wrong_shape_raises(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 3, 4)))

    with pytest.raises(DataError, match="shape"):
        load_points(tmp_path / "cube.npy")


def npy_header(shape: tuple, dtype: str = "<f8", version: int = 1) -> bytes:
    """The .npy header numpy writes for an array of `shape` and `dtype`, without its data."""
    buffer = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    write = (np.lib.format.write_array_header_1_0 if version == 1
             else np.lib.format.write_array_header_2_0)
    write(buffer, header)
    return buffer.getvalue()


def test_arrays_needing_more_memory_than_allowed_are_refused_from_their_header(
        tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_ARRAY_BYTES", 50_000)
    np.save(tmp_path / "big.npy", np.zeros((100, 100)))
    np.savez(tmp_path / "labels.npz", x=np.zeros((40, 8, 8)), y=np.zeros((40, 100)))

    with pytest.raises(DataError) as big:
        load_user_data(tmp_path / "big.npy")
    with pytest.raises(DataError) as labels:
        load_user_data(tmp_path / "labels.npz")

    assert str(big.value).startswith(
        f"'{tmp_path / 'big.npy'}' is a 100×100 float64 array of 78.1 KiB: more than the "
        "48.8 KiB loaded arrays may take on this machine.")
    # x takes 20,480 bytes; y's 32,000 do not fit in what is left
    assert "the y array in" in str(labels.value) and "more than the 28.8 KiB" in str(labels.value)


def test_a_header_claiming_terabytes_is_refused_before_any_data_is_read(tmp_path):
    (tmp_path / "huge.npy").write_bytes(npy_header((10**6, 10**6)))
    zipped = tmp_path / "huge.npz"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("x.npy", npy_header((2, 8, 8), "|u1") + bytes(128))
        archive.writestr("captions.npy", npy_header((10**12,), "<U100"))

    with pytest.raises(DataError, match=r"huge\.npy' is a 1000000×1000000 float64 array of "
                                        r"7\.3 TiB: more than the"):
        load_points(tmp_path / "huge.npy")
    with pytest.raises(DataError, match=r"the captions array in '.*huge\.npz' is a "
                                        r"1000000000000 <U100 array of 363\.8 TiB: more than"):
        load_images(zipped)


def test_truncated_npy_and_npz_arrays_are_refused(tmp_path):
    np.save(tmp_path / "full.npy", np.ones((50, 4)))
    whole = (tmp_path / "full.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(whole[:-600])
    zipped = tmp_path / "cut.npz"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", whole[:-600])
    lying = tmp_path / "lying.npz"
    np.savez(lying, x=np.ones((50, 4)))
    patch_member(lying, "x.npy", size=1000)

    with pytest.raises(DataError, match=r"cut\.npy' is truncated: its header says a 50×4 "
                                        r"float64 array of 1,600 bytes but only 1,000 follow\."):
        load_points(tmp_path / "cut.npy")
    with pytest.raises(DataError, match=r"the x array in '.*cut\.npz' is truncated"):
        load_points(zipped)
    with pytest.raises(DataError, match=r"the x array in '.*lying\.npz' \(unpacks to more "
                                        r"than its declared size \(1000 bytes\)\)"):
        load_user_data(lying)


def test_npy_headers_claiming_megabytes_are_refused(tmp_path):
    long_v2 = tmp_path / "long2.npy"
    long_v2.write_bytes(b"\x93NUMPY\x02\x00" + (50_000_000).to_bytes(4, "little") + b"{")
    long_v1 = tmp_path / "long1.npy"
    long_v1.write_bytes(b"\x93NUMPY\x01\x00" + (65_000).to_bytes(2, "little") + b" " * 65_000)

    with pytest.raises(DataError, match=r"its header claims 50,000,000 bytes, more than the "
                                        r"10,000 a NumPy header may have"):
        load_user_data(long_v2)
    with pytest.raises(DataError, match=r"its header claims 65,000 bytes"):
        load_points(long_v1)


def test_odd_npy_headers_and_contents_are_refused_with_their_reason(tmp_path):
    (tmp_path / "objects.npy").write_bytes(b"")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}, None]), allow_pickle=True)
    (tmp_path / "negative.npy").write_bytes(npy_header((-5, 3)))
    (tmp_path / "v3.npy").write_bytes(b"\x93NUMPY\x03\x00" + npy_header((2, 2))[8:])
    (tmp_path / "text.npy").write_text("1,2,3\n")
    (tmp_path / "garbled.npy").write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': oops}\n")

    expected = {
        "objects.npy": r"holds Python objects \(dtype=object\), which are not loaded",
        "negative.npy": r"its header gives the shape \(-5, 3\)",
        "v3.npy": r"NumPy format version 3\.0 is not read here",
        "text.npy": r"could not read '.*text\.npy' as a NumPy file \(it holds neither",
        "garbled.npy": r"its header is not valid",
    }
    for name, message in expected.items():
        with pytest.raises(DataError, match=message):
            load_user_data(tmp_path / name)


def test_npz_arrays_are_read_in_fortran_order_and_any_byte_order(tmp_path):
    x = np.asfortranarray(np.arange(32, dtype=">f4").reshape(2, 4, 4) / 32)
    np.savez_compressed(tmp_path / "f.npz", x=x, y=np.array([1, 0], dtype=">i2"),
                        class_names=np.array(["cat", "dog"]))

    data = load_images(tmp_path / "f.npz", image_size=4)

    np.testing.assert_allclose(data.x[..., 0], x, atol=1e-6)
    assert data.y.tolist() == [1, 0] and data.class_names == ["cat", "dog"]


# --------------------------------------------------------------------------------------------
# Dispatch and argument checks


def test_load_user_data_dispatches_on_what_the_source_is(tmp_path):
    (tmp_path / "p.csv").write_text("1,2\n3,4\n")
    np.savez(tmp_path / "pts.npz", x=np.random.default_rng(4).normal(size=(9, 2)))
    np.savez(tmp_path / "img.npz", x=np.zeros((3, 12, 12), np.uint8))
    np.savez(tmp_path / "flat.npz", x=np.zeros((3, 784), np.uint8), y=np.arange(3))
    np.save(tmp_path / "img.npy", np.zeros((2, 9, 9, 3), np.float32))
    gray_png(tmp_path / "pics" / "a.png")

    assert load_user_data(tmp_path / "p.csv").kind == POINTS
    assert load_user_data(tmp_path / "pts.npz").shape == (2,)
    assert load_user_data(tmp_path / "img.npz").shape == (12, 12, 1)
    flat = load_user_data(tmp_path / "flat.npz")
    assert flat.shape == (28, 28, 1) and flat.y.tolist() == [0, 1, 2]
    assert load_user_data(tmp_path / "img.npy").shape == (9, 9, 1)
    assert load_user_data(tmp_path / "pics").kind == IMAGES
    assert load_user_data([tmp_path / "pics" / "a.png"]).kind == IMAGES


def test_looks_like_user_data(tmp_path):
    path = gray_png(tmp_path / "a.png")

    assert looks_like_user_data(str(tmp_path))
    assert looks_like_user_data(str(path))
    assert looks_like_user_data([str(path), str(path)])
    assert not looks_like_user_data("mnist")
    assert not looks_like_user_data("")
    assert not looks_like_user_data([])
    assert not looks_like_user_data(str(tmp_path / "missing.png"))


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"limit": -3}, {"image_size": 0}, {"image_size": 2.5}, {"color": "purple"}],
)
def test_bad_arguments_raise_config_error(tmp_path, kwargs):
    gray_png(tmp_path / "a.png")

    with pytest.raises(ConfigError):
        load_images(tmp_path, **kwargs)


def test_color_aliases(tmp_path):
    rgb_png(tmp_path / "a.png")

    assert load_images(tmp_path, color="Gray").shape == (16, 16, 1)
    assert load_images(tmp_path, color="color").shape == (16, 16, 3)


def test_report_summary_lists_skips(tmp_path):
    gray_png(tmp_path / "a" / "1.png")
    gray_png(tmp_path / "b" / "1.png")
    (tmp_path / "b" / "2.png").write_bytes(b"")

    report = load_images(tmp_path).report
    summary = report.summary()

    assert "2 read" in summary and "1 skipped" in summary
    assert "b/2.png: zero bytes" in summary
    assert report.to_dict()["skipped"] == [{"path": "b/2.png", "reason": "zero bytes"}]


def test_a_failed_download_names_its_reason_shortly():
    from ganstudio.core.data.keras_datasets import download_failure

    keras_style = Exception("URL fetch failure on https://storage.googleapis.com/x/mnist.npz: "
                            "None -- [Errno -3] Temporary failure in name resolution")
    assert download_failure(keras_style) == "[Errno -3] Temporary failure in name resolution"
    assert download_failure(OSError("disk full")) == "disk full"
    assert download_failure(TimeoutError()) == "TimeoutError"
    long = download_failure(Exception("x" * 500))
    assert len(long) == 90 and long.endswith("…")
