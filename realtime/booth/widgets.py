"""The booth's touch button: a rectangle a click or touch maps to a press, drawn big and solid."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from realtime.booth.machine import Press
from realtime.sinks.overlay import WHITE, centred_text

BUTTON_H = 130
DARK = (32, 30, 28)


@dataclass(frozen=True)
class Button:
    press: Press
    label: str
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 on the canvas
    colour: tuple[int, int, int]

    def contains(self, x: int, y: int) -> bool:
        x0, y0, x1, y1 = self.rect
        return x0 <= x < x1 and y0 <= y < y1


def draw_button(canvas: np.ndarray, button: Button) -> None:
    x0, y0, x1, y1 = button.rect
    cv2.rectangle(canvas, (x0 + 4, y0 + 6), (x1 + 4, y1 + 6), (0, 0, 0), -1, cv2.LINE_AA)  # shadow
    cv2.rectangle(canvas, (x0, y0), (x1, y1), button.colour, -1, cv2.LINE_AA)
    cv2.rectangle(canvas, (x0, y0), (x1, y1), WHITE, 3, cv2.LINE_AA)
    scale = 1.8 if y1 - y0 >= 110 else 1.4
    centred_text(canvas, button.label, ((x0 + x1) // 2, (y0 + y1) // 2), scale, WHITE, 4, max_width=x1 - x0 - 30)
