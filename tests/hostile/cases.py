"""The hostile-input corpus: bad inputs and faults a new user (or an attacker) gives the CLI.

Each `Case` makes its own files in an empty folder (nothing binary is committed) and returns
the `ganstudio` arguments to run there. The expected outcome is either a clean refusal (exit 2
and one `ganstudio: error:` line matching `says`) or a safe success (exit 0), and `check`
looks at the folder afterwards: a user's files kept, nothing half-written. The same cases run
in `tests/hostile/test_corpus.py` (in one process, quickly) and in
`benchmarks/hostile_inputs.py` (each in its own process, with its peak memory and time).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

TINY_TRAIN = ["--steps", "3", "--batch", "16", "--jit", "off", "--set", "net.depth=2",
              "--set", "net.width=16", "--eval-every", "0", "--set", "train.probe_size=32",
              "--set", "train.n_samples=16"]
"""A training run of a few seconds on the CPU."""


@dataclass(frozen=True)
class Case:
    """One hostile input and what must come of it.

    Attributes:
        name: A short unique name.
        group: data, config, run-folder, sample, eval, memory, small-data or cli.
        build: Makes the files in the given folder; returns the CLI arguments.
        exit: The exit status expected (2: a refusal, 0: a safe success).
        says: A regex the one error line must match (exit 2), or the output, stdout and
            stderr, must (exit 0).
        check: Looks at the folder afterwards (raises AssertionError when unsafe).
        big: Writes large files or needs much time: the benchmark runs it, the tests run a
            scaled-down twin.
    """

    name: str
    group: str
    build: Callable[[Path], list[str]]
    exit: int = 2
    says: str = ""
    check: Callable[[Path], None] | None = None
    big: bool = False


# -- file makers --------------------------------------------------------------------------------


def png(path: Path, size: int = 12, value: int = 128) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (size, size), value).save(path)
    return path


def image_folder(root: Path, n: int = 24, classes: int = 2) -> Path:
    for i in range(n):
        png(root / f"c{i % classes}" / f"{i:03d}.png", value=(i * 37) % 256)
    return root


def points_csv(path: Path, n: int = 200) -> Path:
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.4f},{b:.4f}" for a, b in rng.normal(size=(n, 2)))
    path.write_text("x,y\n" + rows + "\n")
    return path


def tiny_run(folder: Path) -> list[str]:
    """Arguments of a tiny real training run into `folder` (the run cases train one first)."""
    return ["train", "--dataset", "ring8", *TINY_TRAIN, "--out", str(folder)]


def npy_with_header(path: Path, header: dict | str, payload: bytes = b"") -> Path:
    """A .npy file with a hand-written header (version 1.0)."""
    text = header if isinstance(header, str) else repr(header)
    text = text + " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")
                     + payload)
    return path


def zip_with_lying_member(path: Path, real_bytes: int, declared: int = 100) -> Path:
    """A zip whose one member says it unpacks to `declared` bytes but holds `real_bytes`."""
    data = bytes(real_bytes)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("img/a.png", data)
    raw = bytearray(path.read_bytes())
    size = struct.pack("<I", real_bytes)
    lie = struct.pack("<I", declared)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = raw.find(signature)
        assert raw[start + offset:start + offset + 4] == size
        raw[start + offset:start + offset + 4] = lie
    path.write_bytes(bytes(raw))
    return path


def make_deep(root: Path, depth: int) -> None:
    """Folders `depth` levels deep under `root` with an image at the bottom, made level by
    level through directory descriptors (paths that long, or recursion that deep, fail)."""
    buffer = io.BytesIO()
    Image.new("L", (12, 12), 99).save(buffer, "PNG")
    fd = os.open(root, os.O_RDONLY)
    try:
        for i in range(depth):
            name = f"d{i % 10}"
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("lost.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, buffer.getvalue())
        os.close(out)
    finally:
        os.close(fd)


def remove_tree(root: Path) -> None:
    """Removes a folder of any depth without recursion (shutil.rmtree recurses per level)."""
    if not root.exists():
        return
    stack = [os.open(root, os.O_RDONLY)]
    names: list[str] = [""]
    while stack:
        fd = stack[-1]
        entry = next((e for e in os.scandir(fd) if e.is_dir(follow_symlinks=False)), None)
        if entry is not None:
            stack.append(os.open(entry.name, os.O_RDONLY, dir_fd=fd))
            names.append(entry.name)
            continue
        for item in os.scandir(fd):
            os.unlink(item.name, dir_fd=fd)
        os.close(stack.pop())
        name = names.pop()
        if stack:
            os.rmdir(name, dir_fd=stack[-1])
    os.rmdir(root)


# -- checks ---------------------------------------------------------------------------------------


def kept(*names: str, content: str = "mine") -> Callable[[Path], None]:
    """The user's files `names` still hold `content`."""

    def check(root: Path) -> None:
        for name in names:
            assert (root / name).read_text() == content, f"{name} was changed or deleted"

    return check


def run_json_written(folder: str) -> Callable[[Path], None]:
    def check(root: Path) -> None:
        data = json.loads((root / folder / "run.json").read_text())
        assert data["steps"] >= 1

    return check


def nothing_at(*names: str) -> Callable[[Path], None]:
    def check(root: Path) -> None:
        for name in names:
            assert not (root / name).exists(), f"{name} was written"

    return check


# -- the cases ------------------------------------------------------------------------------------

CASES: list[Case] = []


def case(name: str, group: str, says: str = "", exit: int = 2,  # noqa: A002 - the CLI's exit
         check: Callable[[Path], None] | None = None, big: bool = False):
    """Registers the decorated builder as a case."""

    def register(build: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        CASES.append(Case(name, group, build, exit, says, check, big))
        return build

    return register


def _train(dataset: str | Path, *more: str) -> list[str]:
    return ["train", "--dataset", str(dataset), *TINY_TRAIN, *more]


# data: names and paths

case("dataset-typo", "data", r"unknown dataset 'rign8'.*ring8")(lambda d: _train("rign8"))
case("dataset-missing-path", "data", r"no file or folder")(
    lambda d: _train(d / "nowhere"))
case("dataset-empty-folder", "data", r"(no images|nothing usable|empty)")(
    lambda d: (d / "empty").mkdir() or _train(d / "empty"))
case("dataset-offline-keras", "data", r"(download|offline|network)")(lambda d: _train("mnist"))


@case("broken-images-folder", "data", r"(no usable|could not|nothing usable)")
def _broken(d: Path) -> list[str]:
    f = d / "broken"
    f.mkdir()
    (f / "empty.png").write_bytes(b"")
    (f / "text.png").write_text("not an image")
    (f / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00")
    (f / "evil.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 50)
    return _train(f)


@case("decompression-bomb-png", "data", r"(no usable|nothing usable|too large|pixels)")
def _bomb(d: Path) -> list[str]:
    f = d / "bomb"
    f.mkdir()
    Image.new("1", (12_000, 12_000)).save(f / "bomb.png", optimize=True)  # 144 Mpx, small file
    return _train(f)


@case("fifo-image-in-folder", "data", exit=0)
def _fifo_image(d: Path) -> list[str]:
    f = image_folder(d / "imgs")
    os.mkfifo(f / "c0" / "x.png")
    return _train(f, "--out", str(d / "run"), "--no-export")


@case("fifo-as-csv", "data", r"not a regular file")
def _fifo_csv(d: Path) -> list[str]:
    os.mkfifo(d / "points.csv")
    return _train(d / "points.csv")


@case("fifo-as-npz", "data", r"not a regular file")
def _fifo_npz(d: Path) -> list[str]:
    os.mkfifo(d / "data.npz")
    return _train(d / "data.npz")


@case("fifo-captions", "data", exit=0)
def _fifo_captions(d: Path) -> list[str]:
    f = image_folder(d / "imgs", classes=1)
    os.mkfifo(f / "captions.txt")
    return _train(f, "--out", str(d / "run"), "--no-export")


@case("deep-folder-1200", "data", exit=0)
def _deep(d: Path) -> list[str]:
    root = image_folder(d / "deep")
    make_deep(root, 1200)
    return _train(root, "--out", str(d / "run"), "--no-export")


@case("symlink-loop", "data", exit=0)
def _loop(d: Path) -> list[str]:
    root = image_folder(d / "loop")
    os.symlink(root, root / "c0" / "again")
    return _train(root, "--out", str(d / "run"), "--no-export")


@case("symlink-outside", "data", r"link leads outside the dataset folder", exit=0)
def _outside(d: Path) -> list[str]:
    image_folder(d / "secret", n=4)
    root = image_folder(d / "data")
    os.symlink(d / "secret", root / "c1" / "elsewhere")
    return ["datasets", str(root)]


@case("zip-slip", "data", exit=0, check=nothing_at("evil.txt", "../evil.txt"))
def _zip_slip(d: Path) -> list[str]:
    with zipfile.ZipFile(d / "slip.zip", "w") as archive:
        for i in range(20):
            buf = d / f"_{i}.png"
            png(buf, value=i * 10)
            archive.write(buf, f"imgs/{i}.png")
            buf.unlink()
        archive.writestr("../evil.txt", "pwned")
        archive.writestr("/abs/evil.png", "pwned")
    return _train(d / "slip.zip", "--out", str(d / "run"), "--no-export")


@case("zip-member-lies-about-size", "data", r"(no usable|nothing usable)", big=True)
def _zip_lie(d: Path) -> list[str]:
    zip_with_lying_member(d / "lie.zip", real_bytes=400 * 1024 * 1024)
    return _train(d / "lie.zip")


@case("zip-member-lies-small", "data", r"(no usable|nothing usable)")
def _zip_lie_small(d: Path) -> list[str]:
    zip_with_lying_member(d / "lie.zip", real_bytes=8 * 1024 * 1024)
    return _train(d / "lie.zip")


@case("zip-not-a-zip", "data", r"not a readable \.zip")
def _fake_zip(d: Path) -> list[str]:
    (d / "fake.zip").write_text("hello")
    return _train(d / "fake.zip")


@case("zip-encrypted-member", "data", r"(no usable|nothing usable)")
def _encrypted(d: Path) -> list[str]:
    with zipfile.ZipFile(d / "enc.zip", "w") as archive:
        archive.writestr("a.png", b"x" * 100)
    raw = bytearray((d / "enc.zip").read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(signature)
        raw[start + offset] |= 1  # the "encrypted" flag
    (d / "enc.zip").write_bytes(bytes(raw))
    return _train(d / "enc.zip")


@case("npz-pickle-payload", "data", r"(object arrays|pickle|could not read)",
      check=nothing_at("pwned"))
def _pickle(d: Path) -> list[str]:
    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {d / 'pwned'}",))

    np.savez(d / "evil.npz", x=np.array([Evil()], dtype=object))
    return _train(d / "evil.npz")


@case("npz-without-x", "data", r"has no array named 'x'")
def _no_x(d: Path) -> list[str]:
    np.savez(d / "a.npz", data=np.zeros((10, 2)))
    return _train(d / "a.npz")


@case("npy-huge-header", "data", r"(header|could not read)")
def _huge_header(d: Path) -> list[str]:
    raw = b"\x93NUMPY\x02\x00" + struct.pack("<I", 200_000_000) + b"{" * 1000
    (d / "h.npy").write_bytes(raw)
    return _train(d / "h.npy")


@case("npy-claims-huge-shape", "data", r"100000000000×2 float32 array of 745.1 GiB: more than")
def _huge_shape(d: Path) -> list[str]:
    npy_with_header(d / "big.npy", {"descr": "<f4", "fortran_order": False,
                                    "shape": (100_000_000_000, 2)}, b"\x00" * 64)
    return _train(d / "big.npy")


@case("npy-truncated", "data", r"(shorter|truncated|could not read)")
def _truncated(d: Path) -> list[str]:
    np.save(d / "t.npy", np.zeros((1000, 2), np.float32))
    raw = (d / "t.npy").read_bytes()
    (d / "t.npy").write_bytes(raw[: len(raw) // 2])
    return _train(d / "t.npy")


@case("npy-nan-points", "data", r"(not finite|NaN|no usable)")
def _nan_points(d: Path) -> list[str]:
    np.save(d / "n.npy", np.full((100, 2), np.nan, np.float32))
    return _train(d / "n.npy")


@case("csv-one-line-huge", "data", r"(columns|line|too long|at most)", big=True)
def _one_line(d: Path) -> list[str]:
    with open(d / "one.csv", "w") as f:
        chunk = ",".join(["1.2345"] * 100_000)
        for _ in range(180):  # ~126 MB on one line
            f.write(chunk + ",")
        f.write("1\n")
    return _train(d / "one.csv")


@case("csv-one-line-wide", "data", r"(columns|line|too long|at most)")
def _one_line_small(d: Path) -> list[str]:
    (d / "wide.csv").write_text(",".join(["1.5"] * 300_000) + "\n")
    return _train(d / "wide.csv")


@case("csv-latin1-header", "data", r"is not UTF-8 or UTF-16 text \(byte 0xf6.*Save it as UTF-8")
def _latin1(d: Path) -> list[str]:
    rows = "\n".join(f"{i % 7}.5,{i % 5}.25" for i in range(200))
    (d / "l.csv").write_bytes(("größe,höhe\n" + rows + "\n").encode("latin-1"))
    return _train(d / "l.csv", "--out", str(d / "run"), "--no-export")


@case("csv-utf16", "data", exit=0)
def _utf16(d: Path) -> list[str]:
    rows = "\n".join(f"{i % 7}.5,{i % 5}.25" for i in range(200))
    (d / "u.csv").write_bytes(("x,y\n" + rows + "\n").encode("utf-16"))
    return _train(d / "u.csv", "--out", str(d / "run"), "--no-export")


@case("csv-binary-junk", "data", r"(no usable|not UTF|binary|not a number)")
def _junk(d: Path) -> list[str]:
    (d / "j.csv").write_bytes(bytes(range(256)) * 40)
    return _train(d / "j.csv")


@case("csv-all-nan", "data", r"no usable points")
def _all_nan(d: Path) -> list[str]:
    (d / "n.csv").write_text("x,y\n" + "nan,inf\n" * 50)
    return _train(d / "n.csv")


@case("csv-header-only", "data", r"header but no rows")
def _header_only(d: Path) -> list[str]:
    (d / "h.csv").write_text("x,y\n")
    return _train(d / "h.csv")


# data: formats that must load (each decoded, not refused)


def _image_case(name: str, save: Callable[[Path, int], None]) -> None:
    @case(f"image-{name}", "data", r"finished at step 3", exit=0)
    def build(d: Path) -> list[str]:
        folder = d / "imgs"
        folder.mkdir()
        for i in range(16):
            save(folder, i)
        return _train(folder, "--out", str(d / "run"), "--no-export")


_image_case("png-named-jpg", lambda f, i: Image.new("L", (12, 12), i * 9).save(
    f / f"{i}.jpg", "PNG"))
_image_case("png-16-bit", lambda f, i: Image.fromarray(
    np.full((12, 12), i * 3000, np.uint16)).save(f / f"{i}.png"))
_image_case("jpeg-cmyk", lambda f, i: Image.new("CMYK", (12, 12), (i * 9, 0, 0, 0)).save(
    f / f"{i}.jpg"))
_image_case("gif-palette", lambda f, i: Image.new("P", (12, 12), i).save(f / f"{i}.gif"))
_image_case("png-rgba", lambda f, i: Image.new("RGBA", (12, 12), (i * 9, 0, 0, 100)).save(
    f / f"{i}.png"))
_image_case("mixed-sizes", lambda f, i: Image.new("L", (8 + i, 20 - i), i * 9).save(
    f / f"{i}.png"))
_image_case("tiff-float", lambda f, i: Image.fromarray(
    np.full((12, 12), i / 16, np.float32)).save(f / f"{i}.tif"))
_image_case("unicode-names", lambda f, i: Image.new("L", (12, 12), i * 9).save(
    f / f"bild ä {i} 猫.png"))


@case("png-in-a-folder-named-like-a-file", "data", r"finished at step 3", exit=0)
def _odd_folder(d: Path) -> list[str]:
    return _train(image_folder(d / "data.csv"), "--out", str(d / "run"), "--no-export")


@case("semicolon-csv", "data", r"finished at step 3", exit=0)
def _semicolon(d: Path) -> list[str]:
    (d / "p.csv").write_text("a;b\n" + "\n".join(f"{i % 9};{i % 4}" for i in range(100)))
    return _train(d / "p.csv", "--out", str(d / "run"), "--no-export")


@case("tsv-with-comments", "data", r"finished at step 3", exit=0)
def _tsv(d: Path) -> list[str]:
    (d / "p.tsv").write_text("# points\n" + "\n".join(f"{i % 9}\t{i % 4}" for i in range(100)))
    return _train(d / "p.tsv", "--out", str(d / "run"), "--no-export")


@case("csv-ragged-rows", "data", r"finished at step 3", exit=0)
def _ragged(d: Path) -> list[str]:
    rows = [f"{i % 9},{i % 4}" if i % 5 else f"{i},1,2" for i in range(100)]
    (d / "p.csv").write_text("x,y\n" + "\n".join(rows))
    return _train(d / "p.csv", "--out", str(d / "run"), "--no-export")


@case("csv-text-labels", "data", r"finished at step 3", exit=0)
def _text_labels(d: Path) -> list[str]:
    rows = [f"{i % 9},{i % 4},{'cat' if i % 2 else 'dog'}" for i in range(100)]
    (d / "p.csv").write_text("x,y,label\n" + "\n".join(rows))
    return _train(d / "p.csv", "--out", str(d / "run"), "--no-export")


@case("npz-uint8-images", "data", r"finished at step 3", exit=0)
def _uint8(d: Path) -> list[str]:
    rng = np.random.default_rng(0)
    np.savez(d / "i.npz", x=rng.integers(0, 255, (40, 12, 12), np.uint8),
             y=np.arange(40) % 2)
    return _train(d / "i.npz", "--out", str(d / "run"), "--no-export")


# data: refused with a reason

case("text-file-of-words", "data", r"no usable points")(
    lambda d: (d / "w.txt").write_text("hello world\nfoo bar\n") and _train(d / "w.txt"))
case("csv-empty-file", "data", r"(empty|no rows)")(
    lambda d: (d / "e.csv").touch() or _train(d / "e.csv"))
case("npz-labels-wrong-length", "data", r"(labels|y)")(
    lambda d: np.savez(d / "a.npz", x=np.zeros((10, 2)), y=np.zeros(3)) or _train(d / "a.npz"))
case("npz-object-captions", "data", r"(captions|object)")(
    lambda d: np.savez(d / "a.npz", x=np.zeros((10, 2)),
                       captions=np.array(["a"] * 10, dtype=object)) or _train(d / "a.npz"))
case("npy-zero-rows", "data", r"(no examples|empty|0 )")(
    lambda d: np.save(d / "z.npy", np.zeros((0, 2), np.float32)) or _train(d / "z.npy"))
case("npy-complex", "data", r"(complex|numbers|dtype|type)")(
    lambda d: np.save(d / "c.npy", np.zeros((10, 2), np.complex64)) or _train(d / "c.npy"))
case("npy-strings", "data", r"(string|numbers|dtype|type)")(
    lambda d: np.save(d / "s.npy", np.array([["a", "b"]] * 10)) or _train(d / "s.npy"))
case("zip-empty", "data", r"(no files|no images|nothing usable|empty)")(
    lambda d: zipfile.ZipFile(d / "e.zip", "w").close() or _train(d / "e.zip"))
case("zip-only-text", "data", r"(no images|nothing usable|not an image|no usable)")(
    lambda d: _zip_texts(d / "t.zip") or _train(d / "t.zip"))
case("zip-in-zip", "data", r"(no images|nothing usable|not an image|no usable)")(
    lambda d: _zip_in_zip(d / "z.zip") or _train(d / "z.zip"))
case("dataset-dev-zero", "data", r"(not a regular file|not a folder)")(
    lambda d: _train("/dev/zero"))
case("dataset-dev-null", "data", r"(not a regular file|not a folder|empty)")(
    lambda d: _train("/dev/null"))


def _zip_texts(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
        archive.writestr("notes.md", "# notes")


def _zip_in_zip(path: Path) -> None:
    inner = path.with_name("inner.zip")
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("a.png", b"x")
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(inner, "inner.zip")
    inner.unlink()


# options and settings with bad values

for _name, _args, _says in [
    ("set-without-equals", ["--set", "net.width"], r"(=|SECTION.FIELD)"),
    ("set-not-a-number", ["--set", "net.width=abc"], r"(whole number|integer|number)"),
    ("lr-nan", ["--lr-d", "nan"], r"(lr_d|learning rate|finite|must be)"),
    ("lr-inf", ["--lr-g", "inf"], r"(lr_g|learning rate|finite|must be)"),
    ("lr-zero", ["--lr-d", "0"], r"(lr_d|greater than|must be)"),
    ("image-size-too-small", ["--image-size", "4"], r"(image_size|at least|between)"),
    ("latent-zero", ["--latent", "0"], r"(latent|at least)"),
    ("set-unknown-section", ["--set", "nett.width=8"], r"(unknown|no section|nett)"),
    ("family-typo", ["--family", "cgann"], r"invalid choice"),
]:
    case(f"option-{_name}", "config", _says)(lambda d, a=_args: _train("ring8", *a))

case("cgan-on-unlabeled-points", "config", r"(labels|captions|condition)")(
    lambda d: points_csv(d / "p.csv") and _train(d / "p.csv", "--family", "cgan"))


# small data: trains, exports, and always writes run.json

case("one-point-csv", "small-data", exit=0, check=run_json_written("run"))(
    lambda d: (d / "p.csv").write_text("x,y\n0.5,0.25\n") and _train(
        d / "p.csv", "--out", str(d / "run")))
case("one-dimensional-points", "small-data", exit=0, check=run_json_written("run"))(
    lambda d: (d / "p.csv").write_text("x\n" + "\n".join(f"{i / 10}" for i in range(50)) + "\n")
    and _train(d / "p.csv", "--out", str(d / "run")))


@case("ten-images", "small-data", exit=0, check=run_json_written("run"))
def _ten(d: Path) -> list[str]:
    return _train(image_folder(d / "ten", n=10), "--out", str(d / "run"))


# configs: a file given with --config

CONFIG_FILES: list[tuple[str, str, bytes, str]] = [
    ("config-latin1", "c.toml", 'family = "gan" # café\n'.encode("latin-1"), r"not UTF-8 text"),
    ("config-utf16-json", "c.json", json.dumps({"family": "gan"}).encode("utf-16"), ""),
    ("config-binary", "c.toml", b"\x00\x01\xff", r"binary data, not text"),
    ("config-bad-toml", "c.toml", b"family = \n[[[", r"is not valid"),
    ("config-json-list", "c.json", b"[1]", r"not a table of settings"),
    ("config-wrong-type", "c.toml", b'[net]\nwidth = "wide"\n', r"(width|whole number|integer)"),
    ("config-duplicate-key", "c.toml", b"[net]\nwidth = 8\nwidth = 9\n", r"is not valid"),
    ("config-unknown-section", "c.toml", b"[nett]\nwidth = 8\n", r"(unknown|nett)"),
]
"""(case, file name, bytes, the error it must give; "" when it must train)."""


def _config_case(name: str, file: str, data: bytes, says: str) -> None:
    def build(d: Path) -> list[str]:
        (d / file).write_bytes(data)
        more = ["--out", str(d / "run"), "--no-export"] if not says else []
        return _train("ring8", "--config", str(d / file), *more)

    case(name, "config", says, exit=2 if says else 0)(build)


for _row in CONFIG_FILES:
    _config_case(*_row)

case("config-unknown-setting", "config", r"(unknown|no setting)")(
    lambda d: _train("ring8", "--set", "net.widht=8"))
case("config-out-of-range", "config", r"(must be|between|at least|at most)")(
    lambda d: _train("ring8", "--set", "net.width=-5"))
case("config-missing", "config", r"does not exist")(
    lambda d: _train("ring8", "--config", str(d / "none.toml")))
case("steps-negative", "cli", r"(steps|at least|must be)")(
    lambda d: ["train", "--dataset", "ring8", "--steps", "-1"])
case("batch-zero", "cli", r"(batch|at least|must be)")(
    lambda d: ["train", "--dataset", "ring8", "--batch", "0"])
case("option-typo", "cli", r"(unrecognized|invalid choice)")(
    lambda d: ["train", "--objetive", "wgan"])
case("command-typo", "cli", r"invalid choice")(lambda d: ["trian"])


# run folders: nothing of a user's, or of another run, is overwritten


@case("export-onto-user-folder", "run-folder", r"not empty and is not a GAN Studio export",
      check=kept("mine/notes.txt"))
def _export_user(d: Path) -> list[str]:
    (d / "mine").mkdir()
    (d / "mine" / "notes.txt").write_text("mine")
    return ["export", "--run", str(d / "run"), "--out", str(d / "mine")]


@case("export-onto-user-file", "run-folder", r"is a file", check=kept("file.txt"))
def _export_file(d: Path) -> list[str]:
    (d / "file.txt").write_text("mine")
    return ["export", "--run", str(d / "run"), "--out", str(d / "file.txt")]


@case("train-into-user-folder", "run-folder", r"(not empty|other files)",
      check=kept("mine/thesis.tex"))
def _train_user(d: Path) -> list[str]:
    (d / "mine").mkdir()
    (d / "mine" / "thesis.tex").write_text("mine")
    return tiny_run(d / "mine")


@case("train-into-other-run", "run-folder", r"holds an earlier run.*--resume")
def _train_other(d: Path) -> list[str]:
    return tiny_run(d / "run")


@case("resume-not-a-run", "run-folder", r"(no checkpoint|not a run)")
def _resume_empty(d: Path) -> list[str]:
    (d / "x").mkdir()
    return ["train", "--resume", str(d / "x")]


@case("resume-corrupt-checkpoint", "run-folder", r"(damaged|corrupt|could not read|unreadable)")
def _resume_corrupt(d: Path) -> list[str]:
    for ckpt in (d / "run" / "checkpoints").glob("ckpt-*.npz"):
        ckpt.write_bytes(b"garbage")
    return ["train", "--resume", str(d / "run"), "--steps", "6", "--no-eval"]


@case("export-missing-run", "run-folder", r"(no run|not a run|does not exist|no checkpoint)")
def _export_missing(d: Path) -> list[str]:
    return ["export", "--run", str(d / "nothing")]


@case("train-out-is-a-file", "run-folder", r"(is a file|not a folder)", check=kept("out"))
def _out_file(d: Path) -> list[str]:
    (d / "out").write_text("mine")
    return tiny_run(d / "out")


@case("export-force-replaces-own-export", "run-folder", r"(exported|wrote|matches)", exit=0)
def _export_force(d: Path) -> list[str]:
    return ["export", "--run", str(d / "run"), "--out", str(d / "run" / "generator"), "--force"]


@case("export-earlier-export-without-force", "run-folder", r"holds an earlier export.*--force")
def _export_again(d: Path) -> list[str]:
    shutil.copytree(d / "run" / "generator", d / "exported")
    return ["export", "--run", str(d / "run"), "--out", str(d / "exported")]


@case("resume-without-latest-json", "run-folder", r"finished at step", exit=0)
def _resume_no_latest(d: Path) -> list[str]:
    (d / "run" / "checkpoints" / "latest.json").unlink(missing_ok=True)
    return ["train", "--resume", str(d / "run"), "--steps", "5", "--no-eval", "--no-export"]


# sample / eval

case("sample-n-zero", "sample", r"--n")(
    lambda d: ["sample", "--model", str(d / "run"), "--n", "0", "--out", str(d / "s.csv")])
case("sample-n-huge", "sample", r"--n")(
    lambda d: ["sample", "--model", str(d / "run"), "--n", "1000000000",
               "--out", str(d / "s.csv")])
case("sample-truncation-negative", "sample", r"truncation")(
    lambda d: ["sample", "--model", str(d / "run"), "--truncation", "-1",
               "--out", str(d / "s.csv")])
case("sample-out-folder", "sample", r"(folder|directory)")(
    lambda d: (d / "outdir").mkdir() or ["sample", "--model", str(d / "run"),
                                         "--out", str(d / "outdir")])
case("sample-not-an-export", "sample", r"(no SavedModel|not a GAN Studio)")(
    lambda d: (d / "x").mkdir() or ["sample", "--model", str(d / "x"), "--out", str(d / "s.csv")])


@case("sample-malformed-metadata", "sample", r"metadata .* is malformed")
def _bad_meta(d: Path) -> list[str]:
    (d / "run" / "generator" / "assets" / "ganstudio.json").write_text('{"latent_dim": "x"}')
    return ["sample", "--model", str(d / "run"), "--out", str(d / "s.csv")]


@case("sample-utf16-metadata", "sample", exit=0)
def _utf16_meta(d: Path) -> list[str]:
    meta = d / "run" / "generator" / "assets" / "ganstudio.json"
    meta.write_bytes(meta.read_text().encode("utf-16"))
    return ["sample", "--model", str(d / "run"), "--n", "8", "--out", str(d / "s.csv")]


case("eval-json-folder", "eval", r"(directory|folder)")(
    lambda d: (d / "o").mkdir() or ["eval", "--model", str(d / "run"), "--n", "100",
                                    "--json", str(d / "o")])
case("eval-dataset-typo", "eval", r"unknown dataset")(
    lambda d: ["eval", "--model", str(d / "run"), "--dataset", "rign8"])


case("sample-out-missing-folder", "sample", r"wrote 64 samples", exit=0)(
    lambda d: ["sample", "--model", str(d / "run"), "--out", str(d / "no" / "where" / "s.csv")])
case("sample-out-unknown-suffix", "sample", r"(\.png|\.csv|\.npy|suffix)")(
    lambda d: ["sample", "--model", str(d / "run"), "--out", str(d / "s.xyz")])
case("sample-label-on-unconditional", "sample", r"(label|condition|unconditional)")(
    lambda d: ["sample", "--model", str(d / "run"), "--label", "3", "--out", str(d / "s.csv")])
case("eval-n-zero", "eval", r"--n")(
    lambda d: ["eval", "--model", str(d / "run"), "--n", "0"])


# memory: sizes each allowed, together too much

case("net-too-large-for-memory", "memory", r"would need about .* GiB of memory")(
    lambda d: _train("ring8", "--set", "net.width=8192", "--set", "net.depth=16",
                     "--batch", "65536"))
case("image-batch-too-large", "memory", r"would need about .* GiB of memory")(
    lambda d: _train("digits", "--image-size", "128", "--set", "net.filters=512",
                     "--batch", "65536"))

NEEDS_RUN = {"export-onto-user-folder", "export-onto-user-file", "train-into-other-run",
             "resume-corrupt-checkpoint", "sample-n-zero", "sample-n-huge",
             "sample-truncation-negative", "sample-out-folder", "sample-malformed-metadata",
             "sample-utf16-metadata", "eval-json-folder", "eval-dataset-typo",
             "export-force-replaces-own-export", "export-earlier-export-without-force",
             "resume-without-latest-json", "sample-out-missing-folder",
             "sample-out-unknown-suffix", "sample-label-on-unconditional", "eval-n-zero"}
"""Cases that start from a finished tiny run in `run/` (made once and copied)."""
