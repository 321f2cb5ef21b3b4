"""Configs and export metadata: every encoding a user's editor writes is read or refused in one
line; malformed metadata is named, not a traceback."""

from __future__ import annotations

import codecs
import json
import os
import sys

import pytest

from ganstudio.cli import main
from ganstudio.config import RunConfig
from ganstudio.core.export import read_metadata
from ganstudio.errors import ConfigError, ModelError
from ganstudio.textfile import decode_text, read_json_file, read_text_file

TOML = 'family = "gan"\n[data]\nname = "ring8"\n# café\n'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom",
                                      "utf-16-be-bom", "utf-32"])
def test_utf_encodings_with_their_marks_are_read(tmp_path, encoding):
    if encoding.endswith("-bom"):
        codec = encoding[:-4]
        bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
        data = bom + TOML.encode(codec)
    else:
        data = TOML.encode(encoding)
    path = tmp_path / "run.toml"
    path.write_bytes(data)
    assert read_text_file(path, "config file", ConfigError) == TOML
    assert RunConfig.load(path).data.name == "ring8"


@pytest.mark.parametrize(("data", "says"), [
    (TOML.encode("latin-1"), "is not UTF-8 text \\(byte 0xe9"),
    (b"\x00\x01binary\xff", "is binary data, not text"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "is broken UTF-16 text"),
])
def test_other_bytes_are_refused_with_what_to_do(tmp_path, data, says):
    path = tmp_path / "run.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=says) as info:
        RunConfig.load(path)
    assert "Save it as UTF-8 text" in str(info.value)


def test_folders_pipes_and_huge_files_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a regular file"):
        read_text_file(tmp_path, "config file", ConfigError)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(ConfigError, match="2,048 bytes; a config file is at most 1,024"):
        read_text_file(big, "config file", ConfigError, max_bytes=1024)
    with pytest.raises(ConfigError, match="cannot be read"):
        read_text_file(tmp_path / "missing.json", "config file", ConfigError)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
# a hang fails this test alone (the signal method raises in it; the thread method would end the
# whole session), and the limit is far above the ~0.01 s it takes: a 20 s limit once fired in CI
# on a loaded machine while the parser was still being built, before the FIFO was touched
@pytest.mark.timeout(120, method="signal")
def test_a_fifo_named_like_a_config_does_not_hang(tmp_path, capsys):
    fifo = tmp_path / "run.toml"
    os.mkfifo(fifo)
    assert main(["train", "--config", str(fifo), "--out", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "not a regular file" in line


def test_a_config_that_is_not_a_table_is_refused(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="holds a list, not a table of settings"):
        RunConfig.load(path)


def test_decode_text_prefers_the_utf32_mark_over_the_utf16_one():
    assert decode_text("x".encode("utf-32")) == "x"  # FF FE 00 00 starts like UTF-16 LE


GOOD_META = {"latent_dim": 8, "kind": "points", "data_shape": [2],
             "signatures": {"serving_default": {"inputs": [
                 {"name": "z", "dtype": "float32", "shape": [8]}]}}}


def _export(tmp_path, text: str | bytes):
    assets = tmp_path / "gen" / "assets"
    assets.mkdir(parents=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    (assets / "ganstudio.json").write_bytes(data)
    return tmp_path / "gen"


@pytest.mark.parametrize(("meta", "says"), [
    ("[]", "holds a list, not an object"),
    (json.dumps({**GOOD_META, "latent_dim": "x"}), "latent_dim is 'x'"),
    (json.dumps({**GOOD_META, "kind": "audio"}), "kind is 'audio'"),
    (json.dumps({**GOOD_META, "data_shape": [0]}), "data_shape is \\[0\\]"),
    (json.dumps({**GOOD_META, "signatures": {"serving_default": {"inputs": 3}}}),
     "signatures.serving_default.inputs"),
    ("{not json", "is not valid JSON \\(Expecting property name"),
])
def test_malformed_export_metadata_is_named(tmp_path, meta, says):
    with pytest.raises(ModelError, match=says) as info:
        read_metadata(_export(tmp_path, meta))
    assert "ganstudio.json" in str(info.value)


def test_export_metadata_in_utf16_is_read(tmp_path):
    path = _export(tmp_path, json.dumps(GOOD_META).encode("utf-16"))
    assert read_metadata(path)["latent_dim"] == 8
    assert read_json_file(path / "assets" / "ganstudio.json", "x", ModelError) == GOOD_META
