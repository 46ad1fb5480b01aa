"""``headshot booth --print PRINTER``: each accepted photo on a 4x6" print, through CUPS's ``lp``.

The sheet is drawn here (so every printer gets the same layout) at 300 DPI, landscape 6x4" (1800x1200):

- ``portraits``: two 4:5 portraits (the vertical crop) side by side, 2.88x3.6" each;
- ``id``: eight 35x45 mm ID photos (the id crop), 4x2, with thin grey cut lines.

``lp`` runs as a subprocess with an argument list (no shell) on a worker thread, so a slow or stuck
CUPS never holds up the booth. A missing ``lp``, an unknown printer or a failed job is one warning line;
the booth goes on.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from realtime.capture.writer import encode_png
from realtime.errors import ConfigError
from realtime.mediafiles import atomic_write

log = logging.getLogger(__name__)

DPI = 300
SHEET = (6 * DPI, 4 * DPI)  # width, height: 6x4" landscape
LAYOUTS = ("portraits", "id")
ID_MM = (35.0, 45.0)
LP_TIMEOUT_S = 30.0
CUT = (200, 200, 200)


def _fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` cut to the aspect of ``size`` (centred) and resized to it."""
    w, h = size
    ih, iw = image.shape[:2]
    if iw * h > ih * w:  # too wide
        cw = ih * w // h
        image = image[:, (iw - cw) // 2:(iw - cw) // 2 + cw]
    else:
        ch = iw * h // w
        image = image[(ih - ch) // 2:(ih - ch) // 2 + ch]
    interpolation = cv2.INTER_AREA if image.shape[1] > w else cv2.INTER_LANCZOS4
    return cv2.resize(image, (w, h), interpolation=interpolation)


def portraits_sheet(vertical: np.ndarray) -> np.ndarray:
    """Two 4:5 portraits side by side on a white 6x4" sheet."""
    width, height = SHEET
    sheet = np.full((height, width, 3), 255, np.uint8)
    ph = int(3.6 * DPI)
    pw = ph * 4 // 5
    gap = (width - 2 * pw) // 3
    top = (height - ph) // 2
    portrait = _fit(vertical, (pw, ph))
    for i in range(2):
        x = gap + i * (pw + gap)
        sheet[top:top + ph, x:x + pw] = portrait
    return sheet


def id_sheet(id_photo: np.ndarray) -> np.ndarray:
    """Eight 35x45 mm ID photos (4 across, 2 down) with cut lines on a white 6x4" sheet."""
    width, height = SHEET
    sheet = np.full((height, width, 3), 255, np.uint8)
    pw, ph = (round(mm / 25.4 * DPI) for mm in ID_MM)
    cols, rows = 4, 2
    gx, gy = (width - cols * pw) // (cols + 1), (height - rows * ph) // (rows + 1)
    photo = _fit(id_photo, (pw, ph))
    for r in range(rows):
        for c in range(cols):
            x, y = gx + c * (pw + gx), gy + r * (ph + gy)
            sheet[y:y + ph, x:x + pw] = photo
            cv2.rectangle(sheet, (x - 1, y - 1), (x + pw, y + ph), CUT, 1)
    return sheet


def sheet_for(photo: Path, layout: str) -> np.ndarray:
    """The 4x6" sheet for an accepted capture folder (its vertical or id crop)."""
    if layout not in LAYOUTS:
        raise ConfigError(f"expected --print-layout {' or '.join(LAYOUTS)}, got {layout!r}",
                          "pass --print-layout portraits or --print-layout id")
    name = "vertical.jpg" if layout == "portraits" else "id.jpg"
    from realtime.mediafiles import read_image  # by bytes: an --out folder with any name

    image = read_image(Path(photo) / name)
    if image is None:
        image = read_image(Path(photo) / "processed.png")  # no face crop: the frame
    if image is None:
        raise FileNotFoundError(f"no {name} or processed.png in {photo}")
    return portraits_sheet(image) if layout == "portraits" else id_sheet(image)


def lp_command(lp: str, printer: str, path: Path, title: str) -> list[str]:
    return [lp, "-d", printer, "-t", title, "-o", "media=4x6", "-o", "fit-to-page", str(path)]


class Printer:
    """Prints accepted photos in the background; ``with Printer(...) as printer: printer.submit(photo)``."""

    def __init__(self, printer: str, *, layout: str = "portraits", report: Callable[[str], None] | None = None,
                 lp: str | None = None) -> None:
        if layout not in LAYOUTS:
            raise ConfigError(f"expected --print-layout {' or '.join(LAYOUTS)}, got {layout!r}",
                              "pass --print-layout portraits or --print-layout id")
        if not printer or printer.startswith("-"):
            raise ConfigError(f"expected a CUPS printer name for --print, got {printer!r}",
                              "pass the name 'lpstat -p' lists")
        self.printer = printer
        self.layout = layout
        self.report = report or (lambda text: log.warning("%s", text))
        self.lp = lp or shutil.which("lp")
        self.printed: list[Path] = []  # photos whose job lp accepted
        self._jobs: queue.Queue[Path | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._spool: tempfile.TemporaryDirectory[str] | None = None

    @property
    def available(self) -> bool:
        return self.lp is not None

    def __enter__(self) -> Printer:
        if self.lp is None:
            self.report(f"printing off: no 'lp' command (install CUPS: apt-get install cups-client), "
                        f"photos are not sent to {self.printer}")
            return self
        self._spool = tempfile.TemporaryDirectory(prefix="booth-print-")  # 0o700: the sheets are private
        self._thread = threading.Thread(target=self._work, name="booth-print", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Finish the queued jobs (each bounded by LP_TIMEOUT_S), then remove the spooled sheets."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        if self._spool is not None:
            self._spool.cleanup()
            self._spool = None

    def submit(self, photo: Path) -> None:
        if self._thread is not None:
            self._jobs.put(Path(photo))

    def _work(self) -> None:
        while (photo := self._jobs.get()) is not None:
            try:
                self.print_now(photo)
            except Exception as exc:  # noqa: BLE001 -- a print problem must never stop the booth
                self.report(f"could not print {photo.name}: {exc}")

    def print_now(self, photo: Path) -> bool:
        """Render and send one photo; False (with one warning line) when lp refuses it."""
        if self.lp is None or self._spool is None:
            return False
        sheet = sheet_for(photo, self.layout)
        path = Path(self._spool.name) / f"{photo.name}-{self.layout}.png"
        atomic_write(path, encode_png(sheet, DPI))
        try:
            done = subprocess.run(lp_command(self.lp, self.printer, path, f"Headshot {photo.name}"),
                                  capture_output=True, text=True, timeout=LP_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.report(f"could not print on {self.printer}: {exc}; the booth goes on")
            return False
        finally:
            path.unlink(missing_ok=True)  # lp has sent its copy to the spooler
        if done.returncode != 0:
            why = (done.stderr or done.stdout).strip().splitlines()
            self.report(f"could not print on {self.printer}: {why[0] if why else f'lp exit {done.returncode}'}"
                        "; check the name with 'lpstat -p', the booth goes on")
            return False
        self.printed.append(photo)
        return True
