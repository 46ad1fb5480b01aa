"""Best-frame capture: the ready window and score (``ready``), crops (``crops``), atomic files
(``writer``), ``report.json`` (``report``), subtle retouch (``retouch``), and the loop stage that ties
them together (``stage.CaptureStage``: auto and manual capture, ``trigger()``, ``last_capture()``).

Imports stay in the submodules so ``import realtime.capture`` costs nothing (Pillow, OpenCV load on use).
"""
