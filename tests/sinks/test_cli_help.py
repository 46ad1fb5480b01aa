"""One CLI: every command has a description, every option a help line, -v is taken before or after the
command, and the backend choices come from the engine registry."""

from __future__ import annotations

import argparse

import pytest

from realtime.cli import build_parser


def parsers(parser: argparse.ArgumentParser, name: str = "headshot"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from parsers(sub, f"{name} {sub_name}")


def test_every_command_is_described_and_every_option_helped():
    missing = []
    for name, parser in parsers(build_parser()):
        if not parser.description:
            missing.append(f"{name}: no description")
        missing += [f"{name} {a.option_strings or a.dest}: no help" for a in parser._actions
                    if a.help is None and not isinstance(a, argparse._SubParsersAction)]
    assert missing == []


@pytest.mark.parametrize("argv", [["-v", "doctor"], ["doctor", "-v"], ["engines", "list", "-v"],
                                  ["calibrate", "camera", "--verbose"]])
def test_verbose_anywhere(argv):
    assert build_parser().parse_args(argv).verbose is True


def test_quiet_by_default():
    assert build_parser().parse_args(["doctor"]).verbose is False


def test_live_backend_choices_come_from_the_registry():
    from engines.backends.registry import backend_names

    preview = dict(parsers(build_parser()))["headshot preview"]
    backend = next(a for a in preview._actions if "--backend" in a.option_strings)
    assert set(backend.choices) == {"auto", *backend_names()} - {"fake"}


def test_bench_table_reads_in_120_columns():
    from realtime.bench import format_table

    def run(name, stages, fps, ratio=None):
        return {"name": name, "size": [1280, 720], "fps": fps, "fps_vs_baseline": ratio, "dropped": 3,
                "cpu_cores_used": 1.93, "end_to_end_ms": {"p50": 21.4, "p95": 26.5, "p99": 31.0},
                "stage_ms": {s: {"median": ms} for s, ms in stages.items()}}

    report = {"runs": [run("baseline", {"grab": 0.4, "segmentation": 9.0, "blend": 3.0, "face": 11.0}, 23.1),
                       run("ours/onnxruntime/fp32/sequential", {"engine": 8.5, "face": 9.9, "light": 1.0,
                                                                 "coach": 0.5, "capture": 0.2,
                                                                 "sink:overlay": 2.5}, 48.2, 2.09)],
              "peak_rss_mb": 812.0, "cpu_count": 2, "not_measured": ["tensorrt: no CUDA device"]}
    table = format_table(report)
    assert max(len(line) for line in table.splitlines()) <= 120, table
    baseline_row, ours_row = table.splitlines()[2:4]
    assert "12.0" in baseline_row  # the baseline's matte: segmentation + blend
    assert ours_row.split()[:4] == ["ours/onnxruntime/fp32/sequential", "1280x720", "48.2", "2.09x"]
    assert "1.7" in ours_row  # coach: light + coach + capture


@pytest.mark.parametrize(("argv", "auto"), [([], True), (["--no-auto"], False), (["--auto"], True)])
def test_preview_takes_the_photo_by_itself_unless_no_auto(argv, auto):
    assert build_parser().parse_args(["preview", *argv]).auto is auto


@pytest.mark.parametrize("command", ["capture", "preview", "vcam"])
def test_camera_mode_flags_on_every_live_command(command):
    args = build_parser().parse_args([command, "--camera-size", "1920x1080", "--camera-fps", "30"])
    from realtime.commands.flags import camera_options

    assert camera_options(args) == {"size": (1920, 1080), "fps": 30.0}
