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
