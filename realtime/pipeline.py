"""The processing stages every command shares, and the controls a window or booth may change live.

``open_pipeline(options, stack)`` opens the engine backend and the face analyser as context managers on
``stack`` and returns a :class:`Pipeline`: its ``stages`` go to :class:`realtime.loop.Loop`, and its
setters (background, relight, profile, mirror) are what :class:`realtime.session.Session` applies between
frames (the preview's keys and the booth send their commands to the session, not here). Capture,
preview, virtual camera and booth thus show the same processing with the same settings.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

from realtime.frame import FrameResult

log = logging.getLogger(__name__)

BACKGROUND_MODES = ("keep", "blur", "studio")
IN_FLIGHT = 2  # frames the loop may have begun and not finished (see realtime.loop)
EYE_WHITE_MEMORY_S = 5.0  # a remembered eye-white level serves this long (the room's light changes slower)


@dataclass(frozen=True)
class PipelineOptions:
    """What the user chose on the command line (None = the profile's own choice)."""

    profile: str = "professional"
    backend: str = "auto"
    precision: str = "fp32"
    background: str | None = None
    relight: bool | None = None
    mirrored: bool = True  # coach directions for a mirrored preview; photos and files use False
    engine: bool = True  # segmentation + relighting on (off: the face/coach stages see the raw frame)
    parallel: bool = True  # run the engine beside the face mesh (two cores); False: one after the other
    threads: int | None = None


class EngineStage:
    """Runs the segmentation/relighting backend: fills ``alpha``, ``processed`` and ``engine_info``."""

    name = "engine"

    def __init__(self, backend: Any, settings: Any) -> None:
        self.backend = backend
        self.settings = settings

    def __call__(self, frame: FrameResult) -> None:
        out = self.backend.run(frame.image, self.settings)
        frame.alpha = out.alpha
        frame.processed = out.image
        info = self.backend.info
        frame.engine_info = info.as_dict() if hasattr(info, "as_dict") else dict(info)


class FaceStage:
    """Face mesh, head pose, eyes, mouth; then light on the face (uses the matte when there is one).

    It remembers the eye-white level of the last frame with the eyes wide open for ``EYE_WHITE_MEMORY_S``,
    so that exposure does not read a stop darker whenever the person smiles or blinks."""

    name = "face"

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer
        self._white: tuple[float, float] | None = None  # (eye-white level, source time it was read)

    def __call__(self, frame: FrameResult) -> None:
        self.analyze(frame)
        self.measure_light(frame)

    def analyze(self, frame: FrameResult) -> None:
        """The face mesh and what follows from it: needs only the frame as grabbed."""
        frame.face = self.analyzer.analyze(frame.image, frame.source_time)

    def measure_light(self, frame: FrameResult) -> None:
        """Light on the face; uses the engine's matte for backlight and background, so it runs after it."""
        self.measure_face_light(frame)
        self.measure_background_light(frame)

    def measure_face_light(self, frame: FrameResult) -> None:
        """Light on the face skin, eyes and sharpness: needs only the face mesh, not the matte, so the loop
        runs it while the engine still works on the frame (see :class:`EngineBesideFaceStage`)."""
        from realtime.face.lighting import measure_face_light

        if frame.face is None:
            self._white = None  # the next face may be someone else's, in another light
            return
        t = frame.source_time
        recent = self._white[0] if self._white is not None and t - self._white[1] <= EYE_WHITE_MEMORY_S else None
        frame.lighting = measure_face_light(frame.image, frame.face, remembered_white=recent)
        if frame.lighting.eye_white_fresh and frame.lighting.eye_white is not None:
            self._white = (frame.lighting.eye_white, t)

    def measure_background_light(self, frame: FrameResult) -> None:
        """Backlight and background busyness, where the engine's matte says background (none without one)."""
        from realtime.face.lighting import add_background_light

        if frame.lighting is not None and frame.alpha is not None:
            frame.lighting = add_background_light(frame.image, frame.alpha, frame.lighting)


class EngineBesideFaceStage:
    """The engine on a worker thread while the face mesh and the light on the face run here: all three
    read only the grabbed frame.

    ONNX Runtime and MediaPipe release the GIL while they compute, and neither keeps two cores busy on
    its own, so overlapping them shortens the frame; only backlight and background busyness (the next
    stage) wait for the matte. Each part's time is still recorded under its own name ("engine", "face",
    "light").
    """

    name = "engine+face"

    def __init__(self, engine: EngineStage, face: FaceStage, executor: ThreadPoolExecutor) -> None:
        self.engine = engine
        self.face = face
        self._executor = executor
        self._begun: dict[int, Future[None]] = {}  # id(frame) -> its engine work, oldest first

    def _run_engine(self, frame: FrameResult) -> None:
        with frame.timed(self.engine.name):
            self.engine(frame)

    def begin(self, frame: FrameResult) -> None:
        """Queue the engine for ``frame`` now (the loop calls this as soon as the frame is read).

        One worker runs the engine calls in the order begun, which its temporal smoothing needs.
        """
        self._begun[id(frame)] = self._executor.submit(self._run_engine, frame)
        while len(self._begun) > IN_FLIGHT:  # frames a stopped loop dropped unfinished
            self._begun.pop(next(iter(self._begun)))

    @property
    def in_flight(self) -> int:
        """Frames begun and not yet finished (at most ``IN_FLIGHT``)."""
        return len(self._begun)

    def __call__(self, frame: FrameResult) -> None:
        if id(frame) not in self._begun:
            self.begin(frame)
        pending = self._begun.pop(id(frame))
        try:
            with frame.timed(self.face.name):
                self.face.analyze(frame)
            with frame.timed("light"):  # off the frame's critical path: the engine is the longer part
                self.face.measure_face_light(frame)
        finally:
            pending.result()  # re-raises an engine error here, in the loop's thread


class LightStage:
    """Backlight and background busyness, after the engine beside the face mesh (they need the matte; the
    light on the face was measured beside the engine).

    A stage of its own so that the loop can begin the next frame's engine work while it runs.
    """

    name = "backlight"

    def __init__(self, face: FaceStage) -> None:
        self.face = face

    def __call__(self, frame: FrameResult) -> None:
        self.face.measure_background_light(frame)


class CoachStage:
    """Grades the frame against the profile and picks the one instruction to show (with hysteresis)."""

    name = "coach"

    def __init__(self, coach: Any) -> None:
        self.coach = coach

    def __call__(self, frame: FrameResult) -> None:
        frame.assessment = self.coach.assess(frame.face, frame.lighting, frame.alpha, frame.source_time)


class Pipeline:
    """The opened stages plus the live controls over them."""

    def __init__(self, options: PipelineOptions, engine: EngineStage | None, face: FaceStage,
                 coach: CoachStage, executor: ThreadPoolExecutor | None = None) -> None:
        self.options = options
        self.engine = engine
        self.face = face
        self.coach = coach
        self._executor = executor
        # Built once: the engine-beside-face stage holds the frames begun on its worker, so every read of
        # ``stages`` must hand out the same objects.
        self._stages: tuple[Any, ...]
        if engine is not None and executor is not None:
            self._stages = (EngineBesideFaceStage(engine, face, executor), LightStage(face), coach)
        else:
            self._stages = tuple(stage for stage in (engine, face, coach) if stage is not None)

    @property
    def stages(self) -> list:
        """The stages in loop order (a new list of the same stage objects on each read)."""
        return list(self._stages)

    @property
    def profile(self) -> Any:
        return self.coach.coach.profile

    # --- live controls (preview keys, booth) ---------------------------------------------------
    def set_background(self, mode: str) -> None:
        if mode not in BACKGROUND_MODES:
            raise ValueError(f"expected one of {BACKGROUND_MODES}, got {mode!r}")
        if self.engine is not None:
            self.engine.settings = replace(self.engine.settings, background=mode)
        self.coach.coach.background = mode  # the coach judges the background that will be delivered

    def next_background(self) -> str:
        current = self.background
        mode = BACKGROUND_MODES[(BACKGROUND_MODES.index(current) + 1) % len(BACKGROUND_MODES)]
        self.set_background(mode)
        return mode

    @property
    def background(self) -> str:
        return self.engine.settings.background if self.engine is not None else "keep"

    def set_relight(self, on: bool) -> None:
        if self.engine is not None:
            self.engine.settings = replace(self.engine.settings, relight=on)

    @property
    def relight(self) -> bool:
        return bool(self.engine.settings.relight) if self.engine is not None else False

    def set_profile(self, name: str) -> None:
        from realtime.coach.profile import load_profile

        profile = load_profile(name)
        self.apply_profile(profile, studio_settings(profile, self.options))

    def apply_profile(self, profile: Any, settings: Any) -> None:
        """A fresh coach for ``profile`` and the engine on ``settings`` (see :class:`realtime.session.Session`,
        which calls this between frames together with the capture stage's change)."""
        from realtime.coach.coach import Coach

        self.coach.coach = Coach(profile, mirrored=self.coach.coach.mirrored, background=settings.background)
        if self.engine is not None:
            self.engine.settings = settings

    def set_mirrored(self, mirrored: bool) -> None:
        """Coach for a mirrored (preview) or unmirrored view: a fresh coach, its wording depends on it."""
        from realtime.coach.coach import Coach

        if self.coach.coach.mirrored != mirrored:
            self.coach.coach = Coach(self.coach.coach.profile, mirrored=mirrored,
                                     background=self.coach.coach.background)


def studio_settings(profile: Any, options: PipelineOptions) -> Any:
    """The engine settings for a profile, with the command line's overrides applied."""
    from engines.settings import StudioSettings

    background = profile.background
    values: dict[str, Any] = {"relight": profile.relight_strength > 0, "relight_strength": profile.relight_strength,
                              "background": background.mode, "blur_strength": background.blur_strength}
    if background.colour is not None:  # the profile's "#rrggbb" as the graph's B, G, R
        values["studio_color_bgr"] = tuple(float(c) for c in reversed(background.colour))
    settings = StudioSettings.from_mapping(values)
    if options.background is not None:
        settings = replace(settings, background=options.background)
    if options.relight is not None:
        settings = replace(settings, relight=options.relight)
    return settings


def open_pipeline(options: PipelineOptions, stack: ExitStack) -> Pipeline:
    """Open every resource the stages need on ``stack`` and return the pipeline."""
    from realtime.coach.coach import Coach
    from realtime.coach.profile import load_profile
    from realtime.face.analyzer import FaceAnalyzer

    profile = load_profile(options.profile)
    engine = None
    if options.engine:
        from engines.studio import open_engine  # only when asked: --no-engine runs without the engine package

        backend = stack.enter_context(
            open_engine(options.backend, precision=options.precision, threads=options.threads)
        )
        engine = EngineStage(backend, studio_settings(profile, options))
        log.debug("engine: %s", backend.info)
    analyzer = stack.enter_context(FaceAnalyzer())
    # The coach judges the background that will be delivered: the profile's, or --background's. Without the
    # engine the frame goes out as grabbed, so the room is kept.
    delivered = studio_settings(profile, options).background if engine is not None else "keep"
    coach = Coach(profile, mirrored=options.mirrored, background=delivered)
    executor = None
    if engine is not None and options.parallel:
        executor = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine"))
    return Pipeline(options, engine, FaceStage(analyzer), CoachStage(coach), executor)
