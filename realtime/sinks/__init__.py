"""Where results go: the preview window (``preview``, drawing in ``overlay``, the window in ``window``),
the virtual camera (``vcam``, with ``autoframe``). Only sinks draw on screen, always on a copy."""
