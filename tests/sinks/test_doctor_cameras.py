"""``headshot doctor`` lists each camera's modes and the one live commands use by default."""

from __future__ import annotations

import subprocess

from realtime import doctor
from realtime.sources.demo import DemoRenderer
from tests.calibration.fake_camera import FakeWebcam

V4L2_CTL = """ioctl: VIDIOC_ENUM_FMT
\tType: Video Capture

\t[0]: 'MJPG' (Motion-JPEG, compressed)
\t\tSize: Discrete 1920x1080
\t\t\tInterval: Discrete 0.033s (30.000 fps)
\t\t\tInterval: Discrete 0.067s (15.000 fps)
\t\tSize: Discrete 3840x2160
\t\t\tInterval: Discrete 0.067s (15.000 fps)
\t\tSize: Discrete 1280x720
\t\t\tInterval: Discrete 0.017s (60.000 fps)
\t[1]: 'YUYV' (YUYV 4:2:2)
\t\tSize: Discrete 640x480
\t\t\tInterval: Discrete 0.033s (30.000 fps)
"""


def test_modes_probed_through_opencv_without_v4l2_ctl(monkeypatch):
    monkeypatch.setattr(doctor, "v4l2_ctl_modes", lambda device: [])
    camera = FakeWebcam(DemoRenderer(), modes=((640, 480, 30.0), (1920, 1080, 30.0), (1280, 720, 60.0)))
    finding = doctor.camera_finding("/dev/video0", "Fake Cam", open_capture=lambda device: camera)
    assert finding.ok
    assert "default 1920x1080 at 30 fps" in finding.detail
    assert "1920x1080@30, 1280x720@60, 640x480@30" in finding.detail and "OpenCV" in finding.detail


def test_a_camera_that_will_not_open_is_named_with_the_fix(monkeypatch):
    monkeypatch.setattr(doctor, "v4l2_ctl_modes", lambda device: [])
    camera = FakeWebcam(DemoRenderer())
    camera.opened = False
    finding = doctor.camera_finding("/dev/video3", "Busy Cam", open_capture=lambda device: camera)
    assert not finding.ok and "could not open" in finding.detail and finding.fix


def test_v4l2_ctl_listing_is_parsed_with_the_fastest_rate_per_size(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/v4l2-ctl")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, V4L2_CTL, ""))
    modes = doctor.v4l2_ctl_modes("/dev/video0")
    assert modes == [(3840, 2160, 15.0), (1920, 1080, 30.0), (1280, 720, 60.0), (640, 480, 30.0)]
    finding = doctor.camera_finding("/dev/video0", "Real Cam")
    assert "default 1920x1080 at 30 fps" in finding.detail and "v4l2-ctl" in finding.detail
