"""The QUALITY.md writer: each part's section is replaced in place, the others are kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime.evaluate.report import HEADER, Section, Stamp, git_commit, merge, render_section, write_quality

STAMP = Stamp(date="2026-01-02 03:04 UTC", commit="abc1234")


def test_first_write_has_header_stamp_and_section(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "QUALITY.md"
    text = write_quality(path, {"photos": Section("Photos", "| a | b |", {"x": 1})}, STAMP)
    assert path.read_text() == text
    assert text.startswith(HEADER)
    assert "## Photos" in text and "2026-01-02 03:04 UTC" in text and "`abc1234`" in text and "| a | b |" in text


def test_rerun_replaces_only_its_own_section(tmp_path: Path) -> None:
    path = tmp_path / "QUALITY.md"
    write_quality(path, {"photos": Section("Photos", "old photos"), "clips": Section("Clips", "clips v1")}, STAMP)
    path.write_text(path.read_text() + "\nhand-written note outside the markers\n")
    later = Stamp(date="2026-02-02 00:00 UTC", commit="def5678")
    text = write_quality(path, {"photos": Section("Photos", "new photos")}, later)
    assert "new photos" in text and "old photos" not in text
    assert "clips v1" in text and "hand-written note outside the markers" in text
    assert text.index("new photos") < text.index("clips v1")  # replaced in place, order kept
    assert text.count("eval:photos begin") == 1


def test_new_part_is_appended() -> None:
    first = merge("", {"clips": render_section("clips", Section("Clips", "c"), STAMP)})
    both = merge(first, {"matte": render_section("matte", Section("Matte", "m"), STAMP)})
    assert both.index("## Clips") < both.index("## Matte")


@pytest.mark.parametrize("bad", [{"x": None}, {"x": True}, {"x": [1]}])
def test_section_figures_are_flat_numbers_or_text(bad) -> None:
    with pytest.raises(ValueError, match="figure"):
        Section("T", "m", bad)


def test_empty_title_and_bad_part_name_are_rejected() -> None:
    with pytest.raises(ValueError, match="title"):
        Section(" ", "m")
    with pytest.raises(ValueError, match="part name"):
        render_section("Bad Name", Section("T", "m"), STAMP)


def test_git_commit_outside_a_repository_is_unknown(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == "unknown"
