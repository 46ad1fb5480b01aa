"""The backend registry is the one place a backend is declared: a dummy registered in a few lines runs under
``auto`` in its order, is a ``--backend`` choice of every command, and is measured by the bench."""

from __future__ import annotations

import argparse

import pytest

from engines.backends import registry
from engines.backends.fake import FakeEngine
from realtime.bench import choose_engines
from realtime.cli import build_parser


class Dummy(FakeEngine):
    name = "dummy"


def backend_choices_by_command() -> dict[str, tuple[str, ...]]:
    """``--backend`` choices of every (sub)command that restricts them, by command line."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(sub, f"{name} {sub_name}")
            elif "--backend" in action.option_strings and action.choices is not None:
                found[name] = tuple(action.choices)

    walk(build_parser(), "headshot")
    return found


def test_a_dummy_backend_declared_once_shows_up_everywhere(restore_registry, astronaut_bgr) -> None:
    before = backend_choices_by_command()
    registry.register_backend("dummy", Dummy, default_precision="fp16", auto_priority=30)

    assert registry.auto_order() == ("dummy", "tensorrt", "onnxruntime")
    with registry.open_backend("auto", b"") as engine:
        assert engine.name == "dummy" and engine.precision == "fp16"  # its declared default precision
        assert engine.info.as_dict()["auto"] == "auto chose dummy"
        assert engine.run(astronaut_bgr).alpha.shape == astronaut_bgr.shape[:2]

    after = backend_choices_by_command()
    assert set(after) == set(before) >= {"headshot preview", "headshot process", "headshot capture",
                                         "headshot bench", "headshot engines build", "headshot calibrate int8"}
    assert all("dummy" in choices and "dummy" not in before[name] for name, choices in after.items())

    engines, _ = choose_engines(None, None, int8_calibrated=lambda backend: False)
    assert ("dummy", "fp16") in engines
    assert registry.graph_target("dummy") == "onnxruntime"


def test_a_backend_that_cannot_run_here_is_skipped_by_auto_and_the_bench_with_its_reason(restore_registry):
    registry.register_backend("dummy", Dummy, probe=lambda: "no dummy card", auto_priority=30)
    registry.register_backend("spare", Dummy, auto_priority=25)
    with registry.open_backend("auto", b"") as engine:
        assert engine.info.as_dict()["auto"] == "auto chose spare; not dummy: no dummy card"
    engines, skipped = choose_engines(None, None, int8_calibrated=lambda backend: False)
    assert "dummy" not in {backend for backend, _ in engines} and "dummy: no dummy card" in skipped


def test_a_test_only_backend_stays_out_of_auto_and_the_cli(restore_registry):
    registry.register_backend("dummy", Dummy, listed=False)
    assert "dummy" not in registry.auto_order() and "dummy" not in registry.backend_choices()
    assert "dummy" in registry.backend_names() and registry.backend_class("dummy") is Dummy


def test_swapping_a_builtin_class_keeps_its_declaration(restore_registry):
    registry.register_backend("tensorrt", Dummy)
    spec = registry.backend_spec("tensorrt")
    assert (spec.engine, spec.default_precision, spec.graph_target, spec.auto_priority) == (Dummy, "fp16",
                                                                                            "tensorrt", 20)


@pytest.mark.parametrize(("declaration", "error"), [
    ({"default_precision": "int4"}, ValueError),
    ({"graph_target": "metal"}, ValueError),  # the studio graph has no such form
    ({"colour": "blue"}, TypeError),
])
def test_bad_declarations_are_refused(restore_registry, declaration, error):
    with pytest.raises(error):
        registry.register_backend("dummy", Dummy, **declaration)
    assert "dummy" not in registry.backend_names()


def test_builtin_declarations() -> None:
    assert registry.auto_order() == ("tensorrt", "onnxruntime")
    assert registry.backend_choices() == ("auto", "onnxruntime", "tensorrt")
    assert [registry.default_precision(n) for n in ("onnxruntime", "tensorrt")] == ["fp32", "fp16"]
    assert registry.graph_targets() == ("onnxruntime", "tensorrt")
