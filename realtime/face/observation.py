"""What face analysis measured on one frame: the contract between ``realtime.face`` and ``realtime.coach``.

Coordinates are pixels of the analysed frame, x right, y down, in the frame as grabbed (not mirrored).
"Left" and "right" on the person are the person's own: the person's left eye appears on the image's
right in an unmirrored frame. Angles are degrees with these signs:
yaw > 0 when the person turns to their own left, pitch > 0 chin up, roll > 0 when the head tilts toward
the person's left shoulder. Angles are relative to the line of sight from the camera to the face (a face
looking into the lens reads 0/0/0 wherever it sits in the frame); pitch 0 means the forehead-to-chin line
is upright (see ``realtime.face.pose`` and ``realtime.face.canonical``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class FaceObservation:
    """One face (the largest) measured on one frame, plus how many faces were seen."""

    image_size: tuple[int, int]  # (width, height) of the analysed frame
    faces: int  # number of faces found in the frame (live video: may lag the frame by up to ~0.3 s)
    second_face_ratio: float  # area of the second-largest face / the largest; 0.0 with one face
    landmarks: np.ndarray  # (478, 3) float32: x, y in pixels, z in pixels (MediaPipe's relative depth)
    face_box: tuple[float, float, float, float]  # x0, y0, x1, y1 of the landmarks, pixels
    left_eye: Point  # centre of the person's left eye (midpoint of its corners, steady through gaze/blinks)
    right_eye: Point  # centre of the person's right eye
    chin: Point
    forehead: Point  # top of the face mesh (hairline); the crown is higher, see the matte
    inter_eye_px: float  # IED: distance between eye centres
    eye_to_chin_px: float  # T: eye midpoint to chin
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    eye_open_left: float  # eyelid opening / T
    eye_open_right: float
    eye_open_baseline: float | None  # the person's own open-eye level (running), None until known and
    # always None for photos (static mode): there the coach uses only the absolute floor
    blinking: bool  # eyes closed well below the person's baseline: a blink, skipped, not coached
    gaze: float  # max over both eyes of |iris offset| / eye width (offset from the corners' midpoint)
    gaze_x: float  # signed iris offset along the eye's corner line / eye width, mean of both eyes,
    # + toward image right
    gaze_y: float  # signed iris offset across the corner line / eye width, + down (roll-independent)
    mouth_open: float  # inner-lip gap / T
    smile: float  # 0 = neutral, 1 = broad smile (corner lift and mouth width / IED; see face.features)
    motion_ied_per_s: float  # mean landmark displacement under the best similarity fit over the last two
    # frames, IED per second (0 on the first frame and for photos); see face.analyzer
    talking: bool = False  # the lip gap swinging open and shut (live video only; see face.features)

    @property
    def eye_mid(self) -> Point:
        return ((self.left_eye[0] + self.right_eye[0]) / 2.0, (self.left_eye[1] + self.right_eye[1]) / 2.0)


@dataclass(frozen=True)
class LightingObservation:
    """Light on the face skin (cheeks, forehead, nose; not eyes, brows or mouth) and sharpness of the eyes."""

    exposure: float  # mean linear luminance of face skin, 0..1 (sRGB decoded)
    clipped_dark: float  # share of face-skin pixels with 8-bit luma <= 25
    clipped_bright: float  # share of face-skin pixels with 8-bit luma >= 247
    evenness: float  # min/max of the person's left and right face-half luminance
    brighter_side: str  # "left" or "right", the person's own side that is brighter
    backlight: float | None  # background mean luminance / face mean luminance; None without a matte
    lab_a: float  # mean CIELAB a* of face skin
    lab_b: float  # mean CIELAB b* of face skin
    key_light_azimuth_deg: float  # where the key light comes from, relative to where the face points:
    # + from the person's left, - right (first-order spherical-harmonics fit; a rough direction)
    key_light_elevation_deg: float  # + from above
    sharpness: float  # variance of the Laplacian (8-bit scale) on the eye band resampled to IED = 64 px
    background_busyness: float | None  # mean gradient magnitude (gray 0..1, frame 320 px wide) of the
    # background (matte < 0.5); None without a matte
    exposure_stops: float = 0.0  # stops from a correct exposure whatever the skin tone (+ over, - under);
    # see realtime.face.exposure
    eye_white: float | None = None  # eye-white level the exposure read (linear, 90th pct); None: not seen
    eye_white_fresh: bool = False  # read on this frame with the eyes wide open (else None or remembered)
