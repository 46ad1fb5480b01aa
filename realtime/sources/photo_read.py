"""Reading still photos the way a person took them: upright, in colour, 8-bit BGR.

What phones and editors hand over is not what ``cv2.imread`` expects: the picture is stored sideways with
an EXIF orientation tag (``cv2.IMREAD_COLOR`` honours it for JPEG only), iPhones save HEIC/HEIF (OpenCV
cannot read it; ``pillow-heif`` registers it with Pillow), and scans and exports come as grayscale,
16-bit, with an alpha channel, palette or CMYK. So every photo goes through Pillow:

* EXIF orientation applied (:func:`PIL.ImageOps.exif_transpose`);
* 16-bit and 32-bit grayscale scaled to 8 bits by the image's own range type (not clipped);
* alpha (RGBA, LA, transparent palettes) composited over white, the usual backdrop of a cut-out;
* CMYK converted through its embedded ICC profile when there is one, else Pillow's conversion;
* grayscale kept grey (three equal channels) and reported as such, so colour checks can say "not measured".

Sources (``PHOTO|FOLDER|GLOB``) expand to a sorted list of files; a folder's non-image files are skipped.
"""

from __future__ import annotations

import glob
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from realtime.errors import SourceError
from realtime.mediafiles import PHOTO_SUFFIXES

MAX_PIXELS = 200_000_000  # Pillow's decompression-bomb guard, raised for large camera files


@dataclass(frozen=True)
class Photo:
    """One photo, upright, BGR uint8, and what it was on disk."""

    path: Path
    image: np.ndarray
    mode: str  # Pillow mode as stored (RGB, L, I;16, RGBA, CMYK, ...)
    grayscale: bool
    rotated: bool  # an EXIF orientation was applied

    def describe(self) -> dict[str, object]:
        h, w = self.image.shape[:2]
        return {"kind": "photo", "path": str(self.path), "size": [int(w), int(h)], "mode": self.mode,
                "grayscale": self.grayscale, "exif_rotated": self.rotated}


def _register_heif() -> bool:
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def _to_rgb(image: Image.Image) -> tuple[Image.Image, bool]:
    """An RGB image and whether the photo was grey."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        data = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or data.max(initial=0) > 255 else 255.0
        grey = np.clip(np.rint(data / top * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB"), True
    if mode == "CMYK":
        icc = image.info.get("icc_profile")
        if icc:
            try:
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                                 outputMode="RGB"), False
            except (ImageCms.PyCMSError, OSError):
                pass
        return image.convert("RGB"), False
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        grey = image.mode in ("LA", "La")
        return Image.alpha_composite(white, rgba).convert("RGB"), grey
    if image.mode in ("L", "1"):
        return image.convert("RGB"), True
    return image.convert("RGB"), False


def read_photo(path: str | Path) -> Photo:
    """The photo at ``path``, upright, as BGR uint8. Raises SourceError saying what is wrong."""
    path = Path(path)
    _register_heif()
    Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, MAX_PIXELS)
    try:
        with Image.open(path) as opened:
            mode = opened.mode
            upright = ImageOps.exif_transpose(opened)
            rotated = upright is not opened and upright.size != opened.size or _orientation(opened) not in (0, 1)
            rgb, grey = _to_rgb(upright)
            array = np.asarray(rgb, dtype=np.uint8)
    except FileNotFoundError as exc:
        raise SourceError(f"photo {path} does not exist", "check the path") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        hint = (" (HEIC/HEIF needs pillow-heif: pip install pillow-heif)"
                if path.suffix.lower() in (".heic", ".heif") and not _register_heif() else "")
        raise SourceError(f"cannot read {path} as a photo{hint}: {exc}",
                          "check the file is a complete JPEG, PNG, HEIC, WebP or TIFF") from exc
    if array.ndim != 3 or min(array.shape[:2]) < 2:
        raise SourceError(f"photo {path} is {array.shape[1]}x{array.shape[0]} px", "use a real photo")
    if not grey:
        grey = bool(np.array_equal(array[..., 0], array[..., 1]) and np.array_equal(array[..., 1], array[..., 2]))
    bgr = np.ascontiguousarray(array[:, :, ::-1])
    return Photo(path=path, image=bgr, mode=mode, grayscale=grey, rotated=bool(rotated))


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, OSError):
        return 1


def is_still_source(spec: str) -> bool:
    """True for a photo file, a folder, or a glob pattern (not demo, cameras or videos)."""
    path = Path(spec)
    if path.is_dir():
        return True
    if any(ch in spec for ch in "*?["):
        return True
    return path.suffix.lower() in PHOTO_SUFFIXES


def expand_photos(spec: str) -> list[Path]:
    """The photos a ``--source`` names, sorted: one file, a folder's images, or a glob's matches."""
    path = Path(spec)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        if not found:
            raise SourceError(f"no photos ({', '.join(sorted(PHOTO_SUFFIXES))}) in the folder {path}",
                              "pass a folder holding photos")
        return found
    if any(ch in spec for ch in "*?["):
        found = sorted(Path(p) for p in glob.glob(spec) if Path(p).is_file())
        if not found:
            raise SourceError(f"no files match {spec}", "check the pattern (quote it so the shell does not expand it)")
        return found
    if not path.exists():
        raise SourceError(f"photo {path} does not exist", "check the path")
    return [path]
