"""The capture stage: watches the coach's verdicts, picks the best frame, writes the capture folder.

Auto capture (``auto=True``): when a frame comes with ``Assessment.ready`` (every check passed for the
profile's ``ready_hold_s``), a window of ``best_frame_window_s`` opens. Frames inside it that pass
every check on their own (``all_passed``) are the candidates; when the window closes the best by
:func:`realtime.capture.ready.rank` is saved (never a blink, motion or a blurred frame). If the person
stops passing for longer than ``READY_GRACE_S`` (longer than a blink), the window closes early with the
best frame that passed since it opened (the person was ready and the moment was there: dev clip d19 holds
it for 0.7 s before a grin), then the stage waits for *ready* again; a window whose candidates were all
rejected (blinks, motion) captures nothing.

Manual capture: :meth:`CaptureStage.trigger` (the preview's space key, the booth button; safe from any
thread) makes the next frame pick the best of the last ``MANUAL_WINDOW_S`` of frames with a face, even
if not every check passes (a rejected blink or blur is used only when nothing else is there).

Writing happens when a capture is chosen: in the loop's thread, or with ``background_writes`` on the
stage's save thread (:mod:`realtime.capture.save_thread`; :meth:`flush` waits), so the saved frame's final
matte (:mod:`realtime.capture.live_matte`, ~0.5 s at 720p) never stalls the live loop. A full disk or a
read-only folder does not stop the session and loses nothing: the :class:`Capture` stays in
:attr:`pending` (and :attr:`unsaved`, with every capture the disk refused) with its encoded files,
:attr:`write_error` and :attr:`message` say so (the preview shows it), and the stage writes them again
every ``WRITE_RETRY_S`` until there is room. :meth:`write` is the explicit retry, e.g. into another folder.

Time limit: with ``max_seconds``, a frame whose source time is that far past the first frame without
a capture sets :attr:`timed_out`; :attr:`log` says which check failed most.

What leaves the stage goes forward on the frame: ``frame.capture`` is the newest :class:`CaptureOutcome`
(what the preview and booth show), and with ``ends_loop`` a capture taken with ``once`` (or the time limit)
sets ``frame.stop_requested``, on which the loop ends the session.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from realtime.capture.crops import SCREEN_DPI, CropPlan, plan_crops, render_crop
from realtime.capture.held import Capture
from realtime.capture.live_matte import saved_frame
from realtime.capture.ready import DEFAULT_BYTE_CAP, Candidate, CandidateRing, ScoreLimits, best
from realtime.capture.report import SessionLog, build_report
from realtime.capture.retouch import retouch_skin
from realtime.capture.save_thread import SaveThread
from realtime.capture.writer import RETRY_AFTER_S, encode_jpeg, encode_png, write_folder
from realtime.errors import SinkError
from realtime.frame import CaptureOutcome, FrameResult

__all__ = ["Capture", "CaptureOutcome", "CaptureStage", "render_crops"]

READY_GRACE_S = 0.5  # a window survives not-passing stretches this short (a blink, one bad frame)
ENDED_IN_HOLD_SHARE = 0.5  # a source that ends in a passing run this share of the ready hold long: capture it
MANUAL_WINDOW_S = 1.5  # a manual trigger picks from this much of the newest footage
KEEP_CAPTURES = 10  # captures kept in memory (each holds its frame: ~5.5 MB at 720p); the booth runs all day
WRITE_RETRY_S = RETRY_AFTER_S  # a capture the disk refused is written again this often (seconds of source time)


class CaptureStage:
    """Loop stage ``capture``: auto and manual best-frame capture into ``out_dir``."""

    name = "capture"

    def __init__(
        self,
        profile: Any,
        *,
        out_dir: str | Path | None = None,
        fps: float = 30.0,
        auto: bool = True,
        once: bool = True,
        max_seconds: float | None = None,
        ends_loop: bool = False,
        stop: threading.Event | None = None,
        source_info: dict[str, Any] | None = None,
        max_bytes: int = DEFAULT_BYTE_CAP,
        background_writes: bool = False,
    ) -> None:
        self.profile = profile
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.auto = auto
        self.once = once
        self.max_seconds = max_seconds
        # Whether a capture taken with ``once`` (or the time limit) ends the session: the stage marks the
        # frame (``stop_requested``) and the loop stops. ``stop`` is the older spelling: an event given
        # here means the same (the loop that owns it is the one that sets it).
        self.ends_loop = ends_loop or stop is not None
        self.source_info = dict(source_info or {})
        window_s = profile.timing.best_frame_window_s
        self._fps, self._max_bytes = fps, max_bytes
        self.ring = CandidateRing.for_window(max(window_s, MANUAL_WINDOW_S), fps, max_bytes)
        self.log = SessionLog()
        self.captures: list[Capture] = []
        self.pending: Capture | None = None
        self.timed_out = False
        self.done = False  # an auto capture was taken (with ``once``: no more until :meth:`rearm`)
        self.message: str | None = None  # the latest thing worth telling the person ("no face", ...)
        self.write_error: SinkError | None = None  # why :attr:`unsaved` are not on disk yet
        self.unsaved: list[Capture] = []  # taken, refused by the disk, retried in order (never dropped)
        self._retry_at: float | None = None
        self._now = 0.0
        self._trigger = threading.Event()
        self._window_start: float | None = None
        self._last_ok: float | None = None
        self._first_t: float | None = None
        self._streak_start: float | None = None  # first frame of the current run of frames passing every check
        self._outcome: CaptureOutcome | None = None
        self._lock = threading.Lock()
        self._saver = SaveThread() if background_writes else None

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the save thread (``background_writes``) has done every save handed to it."""
        return self._saver.flush(timeout) if self._saver is not None else True

    def close(self) -> None:
        """Finish the saves handed to the save thread, then stop it (safe twice)."""
        if self._saver is not None:
            self._saver.close()

    # --- public API ------------------------------------------------------------------------------
    def trigger(self) -> None:
        """Take a picture now (best of the last moment). Safe to call from any thread."""
        self.message = None  # what the last trigger said no longer applies
        self._trigger.set()

    def held(self) -> tuple[Capture | None, str | None]:
        """The capture held in memory (taken, not yet written) and what the person should hear about the
        last trigger ("No face in the last moment: nothing captured", ...): the booth's shot and its words."""
        return self.pending, self.message

    def last_capture(self) -> CaptureOutcome | None:
        """The newest written capture, for the preview's thumbnail and the booth (None before one)."""
        with self._lock:
            return self._outcome

    def finish(self) -> Capture | None:
        """The source ended: close an open ready window early and capture its best frame, if any.

        A recorded clip that ends while the person passes every check, but before the ready hold was
        over, also gets its best frame when that run lasted at least ``ENDED_IN_HOLD_SHARE`` of the hold:
        the footage ended, not the moment (a live camera would have reached ready). On the dev clips d0
        ends on such a run of 0.4 s, inside its labelled usable window (docs/QUALITY.md, clips)."""
        if self.done or not self.auto:
            return None
        if self._window_start is None:
            streak = self._streak_start
            if streak is None or self._now - streak < ENDED_IN_HOLD_SHARE * self.profile.timing.ready_hold_s:
                return None
            self._window_start, self._last_ok = streak, self._now
        capture = self._close_window(self._last_ok or self._window_start, early=True)
        if capture is not None:
            self._take(capture)
        return capture

    def set_profile(self, profile: Any) -> None:
        """Follow a new profile (the session calls this between frames): its crops, limits and timing, and
        a frame ring sized for its best-frame window (the newest frames already there are kept)."""
        self.profile = profile
        ring = CandidateRing.for_window(max(profile.timing.best_frame_window_s, MANUAL_WINDOW_S), self._fps,
                                        self._max_bytes)
        for candidate in self.ring:
            ring.push(candidate)
        self.ring = ring

    def discard(self, capture: Capture) -> None:
        """Forget ``capture`` (kept on disk elsewhere, or refused by the person)."""
        if self.pending is capture:
            self.pending = None
        self.captures[:] = [c for c in self.captures if c is not capture]

    def forget_person(self) -> None:
        """Forget every frame and capture of the person who just left; the report's log starts over."""
        self.pending = None
        self.captures.clear()
        self.ring.clear()
        self.log = SessionLog()

    def rearm(self) -> None:
        """Allow another auto capture after one was taken (the booth's next person)."""
        self._window_start = self._last_ok = None
        self.done = False

    @property
    def limits(self) -> ScoreLimits:
        return ScoreLimits.from_profile(self.profile)

    # --- the stage -------------------------------------------------------------------------------
    def __call__(self, frame: FrameResult) -> None:
        t = self._now = frame.source_time
        if self._first_t is None:
            self._first_t = t
        if self._retry_at is not None and t >= self._retry_at:
            self._retry_at = None  # set again by a save the disk still refuses
            for waiting in list(self.unsaved):
                self._save(waiting)
        self.log.add(t, frame.assessment)
        passing = frame.face is not None and frame.assessment is not None and frame.assessment.all_passed
        self._streak_start = (self._streak_start if self._streak_start is not None else t) if passing else None
        candidate = Candidate.from_frame(frame)
        if candidate is not None:
            self.ring.push(candidate)
        chosen: Capture | None = None
        if self._trigger.is_set():
            self._trigger.clear()
            chosen = self._manual(t)
        elif self.auto and not self.done:
            chosen = self._auto(frame, t)
        if chosen is not None:
            self._take(chosen)
            frame.stop_requested = frame.stop_requested or (self.ends_loop and self.once)
        elif not self.captures and self.max_seconds is not None and t - self._first_t >= self.max_seconds:
            self.timed_out = True
            frame.stop_requested = frame.stop_requested or self.ends_loop
        frame.capture = self.last_capture()

    def _auto(self, frame: FrameResult, t: float) -> Capture | None:
        a = frame.assessment
        passing = a is not None and frame.face is not None and (a.ready or a.all_passed)
        if self._window_start is None:
            if a is not None and a.ready and frame.face is not None:
                self._window_start = self._last_ok = t
            return None
        if passing:
            self._last_ok = t
        elif self._last_ok is not None and t - self._last_ok > READY_GRACE_S:
            return self._close_window(t, early=True)  # the moment ended: its best passing frame, if any
        if t - self._window_start < self.profile.timing.best_frame_window_s:
            return None
        return self._close_window(t)

    def _close_window(self, t: float, *, early: bool = False) -> Capture | None:
        """The best passing frame since the window opened (None when every one was rejected); the stage
        then waits for *ready* again. ``early``: the window ends before its time (the person stopped
        passing, or the source ended): the frames that passed after the ready hold are still a moment a
        photographer would have taken."""
        start = self._window_start
        self._window_start = self._last_ok = None
        candidates = [c for c in self.ring.since(start) if c.all_passed]
        pick = best(candidates, self.limits)
        if pick is None:
            return None
        extra = {"closed_early": True} if early else {}
        return Capture(pick, "auto", {"start_s": round(start, 4), "end_s": round(t, 4),
                                      "candidates": len(candidates), **extra})

    def _manual(self, t: float) -> Capture | None:
        start = t - MANUAL_WINDOW_S
        candidates = self.ring.since(start)
        pick = best(candidates, self.limits) or best(candidates, self.limits, strict=False)
        if pick is None:
            self.message = "No face in the last moment: nothing captured"
            return None
        return Capture(pick, "manual", {"start_s": round(max(start, 0.0), 4), "end_s": round(t, 4),
                                        "candidates": len(candidates)})

    def _take(self, capture: Capture) -> None:
        self.captures.append(capture)
        del self.captures[:-KEEP_CAPTURES]
        if capture.trigger == "auto" and self.once:
            self.done = True
        self.pending = capture
        capture.log = copy.deepcopy(self.log)  # the save may run on the save thread while the log grows
        if self.out_dir is not None:
            self._save(capture)
        elif self._saver is not None:  # written later (the booth's keep): encode it now, off the loop
            capture.rendered = threading.Event()
            self._saver.submit(self._prerender, capture)

    def _prerender(self, capture: Capture) -> None:
        try:
            capture.files = capture.files or self.render(capture)
        except Exception:  # noqa: BLE001  write() encodes it again and names the cause
            logging.getLogger(__name__).warning("capture not encoded ahead", exc_info=True)
        finally:
            if capture.rendered is not None:
                capture.rendered.set()

    def _save(self, capture: Capture) -> None:
        if self._saver is not None:
            self._saver.submit(self._write_or_keep, capture)
        else:
            self._write_or_keep(capture)

    # --- writing ---------------------------------------------------------------------------------
    def _write_or_keep(self, capture: Capture) -> None:
        """Write ``capture``; when the disk refuses, keep it in memory, say so, and retry later."""
        try:
            self.write(capture)
        except SinkError as exc:
            if all(c is not capture for c in self.unsaved):
                self.unsaved.append(capture)
            self.write_error = exc
            self._retry_at = self._now + WRITE_RETRY_S
            self.message = (f"Photo not saved yet, kept in memory ({exc.problem}): {exc.fix or 'free some space'}; "
                            f"trying again every {WRITE_RETRY_S:g} s")
            thumb = capture.crops.get(_thumb_name(self.profile)) if capture.crops else None
            with self._lock:
                self._outcome = CaptureOutcome(thumb if thumb is not None else capture.candidate.image, None,
                                               capture.capture_id, capture.report or {}, note=self.message)

    def render(self, capture: Capture) -> dict[str, bytes]:
        """Encode every file of ``capture`` (in memory, in write order, report last)."""
        c = capture.candidate
        profile = self.profile
        processed, matte = saved_frame(c)  # the final matte where the background was replaced
        retouch = {"enabled": bool(profile.retouch_enabled), "strength": float(profile.retouch_strength)}
        if retouch["enabled"] and retouch["strength"] > 0:
            processed = retouch_skin(processed, c.face, retouch["strength"])
        files: dict[str, bytes] = {
            "original.png": encode_png(c.image, SCREEN_DPI),
            "processed.png": encode_png(processed, SCREEN_DPI),
        }
        plans, capture.crops, crop_files, capture.crop_error = render_crops(processed, c, profile)
        files.update(crop_files)
        names = {"original": "original.png", "processed": "processed.png",
                 **{name: f"{name}.jpg" for name in capture.crops}, "report": "report.json"}
        capture.report = build_report(
            chosen=capture.chosen, trigger=capture.trigger, profile=profile, files=names, crops=plans,
            log=capture.log or self.log, source=self.source_info, retouch=retouch, window=capture.window,
            created=datetime.now(),
        )
        capture.report["matte"] = matte
        if capture.crop_error:
            capture.report["crop_error"] = capture.crop_error
        files["report.json"] = (json.dumps(capture.report, indent=2) + "\n").encode("utf-8")
        return files

    def write(self, capture: Capture | None = None, out_dir: str | Path | None = None) -> Path:
        """Write ``capture`` (default: the pending one) into a new folder under ``out_dir``."""
        capture = capture or self.pending
        if capture is None:
            raise SinkError("no capture to write", "take a picture first")
        if capture.rendered is not None:
            capture.rendered.wait()  # being encoded on the save thread: use that
        target = Path(out_dir) if out_dir is not None else self.out_dir
        if target is None:
            raise SinkError("no output folder for the capture", "pass --out DIR")
        if capture.files is None:
            try:
                capture.files = self.render(capture)  # kept until written: a retry does not encode again
            except OSError:
                raise
            except Exception as exc:  # noqa: BLE001  the photo stays in memory with the cause named
                raise SinkError(f"the photo could not be encoded ({type(exc).__name__}: {exc})",
                                "it is kept in memory; check the profile, or report this") from exc
        folder = write_folder(target, capture.files)  # SinkError: the capture stays pending for a retry
        capture.folder = folder
        capture.files = None
        if self.pending is capture:
            self.pending = None
        self.unsaved = [c for c in self.unsaved if c is not capture]
        if self.write_error is not None and not self.unsaved:
            self.write_error, self._retry_at, self.message = None, None, None
        thumb = capture.crops.get(_thumb_name(self.profile)) if capture.crops else None
        capture.crops = {}  # on disk now; only the thumbnail's crop stays referenced
        with self._lock:
            self._outcome = CaptureOutcome(thumb if thumb is not None else capture.candidate.image,
                                           str(folder), capture.capture_id, capture.report or {})
        return folder


def render_crops(processed: np.ndarray, c: Any, profile: Any
                 ) -> tuple[dict[str, CropPlan], dict[str, np.ndarray], dict[str, bytes], str | None]:
    """(plans, crops, their encoded files, why they failed). A crop the profile makes impossible (a
    47244 px ID crop from ``id_size_mm = [500, 500]`` at 2400 dpi) must not cost the photo: the frame's
    own files are still written, without crops, and the cause goes to the report and the message."""
    try:
        plans: dict[str, CropPlan] = plan_crops(c.face, c.crown_y, profile)
        crops = {name: render_crop(processed, plan) for name, plan in plans.items()}
        return plans, crops, {f"{n}.jpg": encode_jpeg(image, plans[n].dpi) for n, image in crops.items()}, None
    except OSError:
        raise  # the disk: the capture is kept and retried like any write the disk refused
    except Exception as exc:  # noqa: BLE001  any failure here (MemoryError, cv2.error...) is named, not fatal
        logging.getLogger(__name__).warning("crops not made: %s: %s", type(exc).__name__, exc, exc_info=True)
        return {}, {}, {}, (f"the crops could not be made ({type(exc).__name__}: {exc}); the photo is saved "
                            "without them: check the profile's [crop] settings")


def _thumb_name(profile: Any) -> str:
    """The crop that matches the profile's own aspect (the one the live guide framed)."""
    ratio = profile.crop.aspect_ratio
    if abs(ratio - 1.0) < 0.02:
        return "square"
    if abs(ratio - 35 / 45) < 0.02:
        return "id"
    return "vertical"
