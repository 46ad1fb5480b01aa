"""``headshot vcam`` end to end on the demo source with the fake pyvirtualcam backend registered."""

from __future__ import annotations

import numpy as np
import pytest

from realtime.cli import main
from realtime.commands.vcam import parse_size
from realtime.errors import ConfigError
from tests.sinks import fake_vcam


@pytest.fixture()
def backend():
    config = fake_vcam.install()
    yield config
    fake_vcam.uninstall()


@pytest.mark.parametrize("extra", [[], ["--auto-frame"]])
def test_vcam_command_feeds_the_backend(backend, capsys, extra):
    rc = main(["vcam", "--source", "demo", "--vcam-backend", fake_vcam.NAME, "--size", "641x360", "--fps", "10",
               "--seconds", "3", *extra])
    assert rc == 0
    received = backend.received
    assert len(received) >= 5
    assert {(r.width, r.height, r.fourcc) for r in received} == {(640, 360, "24BG")}
    frames = [r.buffer.reshape(360, 640, 3) for r in received]
    assert all(f.mean() > 60 for f in frames)  # real pictures, not black
    assert "sent to /dev/video42 at (640, 360)" in capsys.readouterr().err
    times = np.array([r.t for r in received])
    assert np.median(np.diff(times)) == pytest.approx(0.1, rel=0.3)  # paced at --fps


def test_vcam_command_without_device_is_one_line_error(backend, capsys):
    backend.fail_opens = 99
    rc = main(["vcam", "--source", "demo", "--vcam-backend", fake_vcam.NAME, "--seconds", "1", "--no-engine"])
    err = capsys.readouterr().err
    assert rc == 6
    assert "could not open" in err and ("modprobe v4l2loopback" in err or "OBS" in err)


@pytest.mark.parametrize(("text", "size"), [("1280x720", (1280, 720)), (" 640X480 ", (640, 480)), (None, None)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["1280", "axb", "1280x"])
def test_parse_size_rejects(text):
    with pytest.raises(ConfigError, match="--size"):
        parse_size(text)
