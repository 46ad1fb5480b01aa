"""The ``headshot`` command. The only place that turns errors into exit codes and one-line messages.

Each subcommand lives in ``realtime/commands/<name>.py`` and exposes ``register(subparsers)``, which adds
its parser and sets ``handler`` to a function ``(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from realtime import __version__
from realtime.errors import HeadshotError

# Order is the order in ``headshot --help``.
COMMAND_MODULES = (
    "capture",
    "preview",
    "vcam",
    "booth",
    "check",
    "process",
    "engines",
    "calibrate",
    "bench",
    "doctor",
    "evaluate",
)

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended
EXIT_STDOUT_CLOSED = 141  # 128 + SIGPIPE: the reader of our output went away


class Terminated(KeyboardInterrupt):
    """SIGTERM (``systemctl stop``, ``docker stop``), raised where Ctrl-C's KeyboardInterrupt is, so every
    command ends the same way on both: the last save, the message, the clean-up."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _stdout_closed() -> bool:
    """True when stdout's reader is gone (``headshot capture | true``); stdout then goes to /dev/null so
    the interpreter's last flush does not fail again."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        closed = any(events & select.POLLERR for _, events in poller.poll(0))  # a pipe whose reader is gone
    except (OSError, ValueError, AttributeError):
        return False
    if not closed:
        return False
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return True


class _Parser(argparse.ArgumentParser):
    """argparse that reports a wrong flag in one line (with the fix) and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"headshot: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="headshot", description="Headshot Studio: a webcam headshot booth.")
    parser.add_argument("--version", action="version", version=f"headshot-studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens (to stderr)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"realtime.commands.{name}").register(sub)  # a command that fails to import is a bug
    _verbose_everywhere(sub)
    return parser


def _verbose_everywhere(sub: argparse._SubParsersAction) -> None:
    """``-v`` after the command too (``headshot capture -v``), in every subcommand and sub-subcommand."""
    for parser in set(sub.choices.values()):
        if "-v" not in parser._option_string_actions:
            parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                                help="log what happens, library lines included (to stderr)")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _verbose_everywhere(action)


def main(argv: Sequence[str] | None = None) -> int:
    from realtime.memory import pin_mmap_threshold

    pin_mmap_threshold()  # flat memory over a day of frames (see realtime/memory.py)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    from realtime.console import quiet_libraries

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        with quiet_libraries(args.verbose):  # TFLite, absl, EGL, libpng, FFmpeg lines only with -v
            return int(handler(args) or 0)
    except HeadshotError as exc:
        print(f"headshot: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("headshot: stopped (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("headshot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError as exc:
        if not _stdout_closed():
            return _os_error(exc)
        print("headshot: stdout was closed by its reader (a pipe) before the summary was printed; the work "
              "itself is done", file=sys.stderr)
        return EXIT_STDOUT_CLOSED
    except OSError as exc:
        return _os_error(exc)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _os_error(exc: OSError) -> int:
    where = f" ({exc.filename})" if exc.filename else ""
    print(f"headshot: error: {exc.strerror or exc}{where}: check the path, free space and permissions",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
