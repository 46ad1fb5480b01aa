"""``headshot eval``: bad input is one line and exit 2; the part list is checked before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime.cli import main
from realtime.commands.evaluate import parse_parts
from realtime.errors import ConfigError


def test_data_dir_must_be_a_folder(tmp_path: Path, capsys) -> None:
    assert main(["eval", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "is not a folder" in err and err.count("\n") == 1


def test_unknown_part_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["eval", str(tmp_path), "--only", "photos,bogus"]) == 2
    assert "unknown part 'bogus'" in capsys.readouterr().err


def test_bad_limit_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["eval", str(tmp_path), "--limit", "0"]) == 2
    assert "--limit" in capsys.readouterr().err


def test_parse_parts_keeps_report_order_and_knows_unbuilt_parts() -> None:
    known = ["photos", "clips", "matte"]
    assert parse_parts("matte,photos", known, known) == ["photos", "matte"]
    assert parse_parts(None, ["photos"], known) == ["photos"]
    with pytest.raises(ConfigError, match="not built"):
        parse_parts("clips", ["photos"], known)
    with pytest.raises(ConfigError, match="empty"):
        parse_parts(" , ", known, known)
