"""``headshot eval DATA_DIR [--only photos,clips,matte] [--write docs/QUALITY.md] [--limit N] [--json]``.

Measures the product on a folder of real data laid out like ``../shared/devdata`` (see its README):
each part reads its own subfolder and returns a section of figures. The data is read from the path
given, never copied. ``--write`` replaces only the sections of the parts run in the QUALITY.md file.

Exit codes: 0 done; 2 bad flag or a DATA_DIR that is not a folder (ConfigError).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from realtime.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="measure quality on a folder of real photos and clips (writes docs/QUALITY.md)",
        description="Measure the product on real data (a folder like ../shared/devdata) and report figures.",
    )
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder with pose/, smile/, eyes/, segmentation/, videos/")
    parser.add_argument("--only", default=None, metavar="PARTS",
                        help="comma-separated parts to run (photos, clips, matte; default every built part)")
    parser.add_argument("--write", default=None, metavar="FILE",
                        help="replace these parts' sections in this markdown file (e.g. docs/QUALITY.md)")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="at most N items per data set (a quick look, not the figures to publish)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.set_defaults(handler=run)


def parse_parts(only: str | None, available: list[str], known: list[str]) -> list[str]:
    """The parts to run, in report order; ConfigError names an unknown or unbuilt part."""
    if only is None:
        return available
    wanted = [p.strip() for p in only.split(",") if p.strip()]
    if not wanted:
        raise ConfigError("--only is empty", f"name one or more of: {', '.join(known)}")
    for part in wanted:
        if part not in known:
            raise ConfigError(f"--only: unknown part {part!r}", f"use one or more of: {', '.join(known)}")
        if part not in available:
            raise ConfigError(f"--only: part {part!r} is not built in this version",
                              f"use one of: {', '.join(available) or 'none built yet'}")
    return [p for p in known if p in wanted]


def run(args: argparse.Namespace) -> int:
    from realtime.evaluate import PARTS, available_parts, load_part
    from realtime.evaluate.report import Stamp, write_quality

    data_dir = Path(args.data_dir)
    if not data_dir.is_dir():
        raise ConfigError(f"DATA_DIR {data_dir} is not a folder",
                          "give the folder of real data, e.g. ../shared/devdata")
    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit: expected a positive count, got {args.limit}", "pass --limit 1 or more")
    parts = parse_parts(args.only, available_parts(), list(PARTS))

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    sections = {}
    for name in parts:
        print(f"eval {name} ...", file=sys.stderr, flush=True)
        sections[name] = load_part(name).run(data_dir, limit=args.limit, progress=progress)
    if args.json:
        print(json.dumps({name: s.figures for name, s in sections.items()}, indent=1, sort_keys=True))
    else:
        for section in sections.values():
            print(f"## {section.title}\n\n{section.markdown.strip()}\n")
    if args.write:
        write_quality(Path(args.write), sections, Stamp.now())
        print(f"wrote {', '.join(sections)} to {args.write}", file=sys.stderr)
    return 0
