"""What face analysis measured on one frame: the contract between ``realtime.face`` and ``realtime.coach``.

Coordinates are pixels of the analysed frame, x right, y down, in the frame as grabbed (not mirrored).
"Left" and "right" on the person are the person's own: the person's left eye appears on the image's
right in an unmirrored frame. Angles are degrees with these signs:
yaw > 0 when the person turns to their own left, pitch > 0 chin up, roll > 0 when the head tilts toward
the person's left shoulder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class FaceObservation:
    """One face (the largest) measured on one frame, plus how many faces were seen."""

    image_size: tuple[int, int]  # (width, height) of the analysed frame
    faces: int  # number of faces found in the frame
    second_face_ratio: float  # area of the second-largest face / the largest; 0.0 with one face
    landmarks: np.ndarray  # (478, 3) float32: x, y in pixels, z in pixels (MediaPipe's relative depth)
    face_box: tuple[float, float, float, float]  # x0, y0, x1, y1 of the landmarks, pixels
    left_eye: Point  # centre of the person's left eye
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
    eye_open_baseline: float | None  # the person's own open-eye level (running), None until known
    blinking: bool  # eyes closed well below the person's baseline: a blink, skipped, not coached
    gaze: float  # max over both eyes of |iris offset| / eye width
    gaze_x: float  # signed horizontal iris offset / eye width, mean of both eyes, + toward image right
    gaze_y: float  # signed vertical iris offset / eye width, + down
    mouth_open: float  # inner-lip gap / T
    smile: float  # 0 = neutral, 1 = broad smile (corner lift and mouth width / IED)
    motion_ied_per_s: float  # landmark displacement since the previous frame, IED per second (0 first)

    @property
    def eye_mid(self) -> Point:
        return ((self.left_eye[0] + self.right_eye[0]) / 2.0, (self.left_eye[1] + self.right_eye[1]) / 2.0)


@dataclass(frozen=True)
class LightingObservation:
    """Light on the face skin (cheeks, forehead, nose; not eyes, brows or mouth) and sharpness of the eyes."""

    exposure: float  # mean linear luminance of face skin, 0..1 (sRGB decoded)
    clipped_dark: float  # share of face-skin pixels <= 25 (8-bit)
    clipped_bright: float  # share of face-skin pixels >= 247
    evenness: float  # min/max of the person's left and right face-half luminance
    brighter_side: str  # "left" or "right", the person's own side that is brighter
    backlight: float | None  # background mean luminance / face mean luminance; None without a matte
    lab_a: float  # mean CIELAB a* of face skin
    lab_b: float  # mean CIELAB b* of face skin
    key_light_azimuth_deg: float  # where the key light comes from: + from the person's left, - right
    key_light_elevation_deg: float  # + from above
    sharpness: float  # variance of the Laplacian on the eye region, normalised by IED
    background_busyness: float | None  # gradient energy of the background (matte < 0.5); None without
