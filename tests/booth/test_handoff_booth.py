"""Done when (issue 19): the booth runs on the demo source through the real pipeline, the person accepts a
photo, the QR code on the done screen is decoded from the screen image with OpenCV, and the three crops
downloaded over HTTP from the booth's own server are byte for byte the files the booth saved."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import cv2
import pytest

from realtime.booth.machine import State
from realtime.booth.share import CROPS, ShareServer
from realtime.sources.demo_script import DEMO_DURATION_S
from tests.booth.test_booth_session import SPACE, display_of, renderer, run_booth, stages  # noqa: F401 (fixtures)

# Space in coaching ("take it now") every two seconds of frames: the hand-off does not depend on when
# the coach says ready (that is test_booth_session's subject), and a press that finds no usable face
# ("nothing captured") is simply followed by the next one.
PEDAL = ([None] * 12 + [SPACE]) * 6


def test_accepted_photo_is_handed_off_through_the_qr_code(stages, renderer, tmp_path):  # noqa: F811
    out = tmp_path / "booth"
    with ShareServer("127.0.0.1", 0, minutes=30) as share:
        booth, display, _ = run_booth(
            stages, renderer, out, {State.ATTRACT: [SPACE], State.COACHING: PEDAL, State.REVIEW: [None, SPACE]},
            seconds=2 * DEMO_DURATION_S, share=share,
            stop_when=lambda b: len([s for s in display_of(b).states if s is State.DONE]) == 1
            and b.machine.state is State.DONE and b.session is not None and share.link(b.session.folder))
        assert State.DONE in display.states, booth.timeline
        screen = display.screens[State.DONE]
        cv2.imwrite(str(tmp_path / "done.png"), screen)
        url, points, _ = cv2.QRCodeDetector().detectAndDecode(screen)
        assert points is not None and re.fullmatch(r"http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{22}/", url), url
        photo = booth.finished[0][0]  # run_booth closed the booth: the session ended with one photo kept
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        hrefs = re.findall(r'href="([^"]+)"', page)
        assert sorted(hrefs) == sorted(f"0/{crop}.jpg" for crop in CROPS)
        for href in hrefs:
            body = urllib.request.urlopen(url + href, timeout=10).read()
            saved = (photo / href.split("/")[-1]).read_bytes()
            assert body == saved and body[:2] == b"\xff\xd8"
        link = share.link(photo.parent)
        assert link is not None and url.endswith(f"/s/{link.token}/")
    with pytest.raises(urllib.error.URLError):  # the server stopped with the booth
        urllib.request.urlopen(url, timeout=5)
