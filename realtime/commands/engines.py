"""``headshot engines build|list|clear``: compile engines ahead of time, see what is cached, clear it.

``build`` converts the segmentation model, assembles the studio graph and opens the backend once (which
compiles and caches a TensorRT engine, the slow part), then runs one 1280x720 warm-up frame.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from engines.backends import PRECISIONS, backend_choices


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("engines", help="build, list or clear cached models and engines",
                            description="The converted ONNX models and compiled engines are cached (keyed by "
                                        "model, backend, precision, GPU and library version) so live commands "
                                        "start fast: build them ahead, list what is cached, or clear it.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="convert the model and build the engine now (cached)",
                               description="Convert the segmentation model and build its engine now, so the "
                                           "first live start does not wait for it.")
    build.add_argument("--backend", choices=backend_choices(), default="auto",
                       help="engine backend (default: auto, TensorRT when a usable GPU is there)")
    build.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="default: fp32 on ONNX Runtime, fp16 on TensorRT")
    build.add_argument("--model", choices=("general", "landscape", "all"), default="general",
                       help="segmentation model: general (square input), landscape (16:9 input) or all")
    build.set_defaults(handler=run_build)
    listing = actions.add_parser("list", help="list cached models and engines",
                                 description="List the cached models and engines, with their size and key.")
    listing.add_argument("--backend", default=None, help="only this backend's entries")
    listing.add_argument("--precision", choices=PRECISIONS, default=None,
                         help="only entries of this precision")
    listing.set_defaults(handler=run_list)
    clear = actions.add_parser("clear", help="remove cached models and engines (all, or by backend/precision)",
                               description="Remove cached models and engines: all of them, or those of a "
                                           "backend or precision, or only the stale ones.")
    clear.add_argument("--backend", default=None, help="only this backend's entries (e.g. tensorrt)")
    clear.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="only entries of this precision")
    clear.add_argument("--stale", action="store_true",
                       help="only what can never be used here: damaged entries, and TensorRT engines and timing "
                            "caches of another TensorRT version")
    clear.set_defaults(handler=run_clear)


def run_build(args: argparse.Namespace) -> int:
    from engines.models import VARIANTS
    from engines.studio import open_studio_engine

    variants = list(VARIANTS) if args.model == "all" else [args.model]
    warmup = np.zeros((720, 1280, 3), np.uint8)
    for variant in variants:
        start = time.perf_counter()
        with open_studio_engine(args.backend, precision=args.precision, variant=variant) as engine:
            opened = time.perf_counter() - start
            engine.run(warmup)
            info = engine.info
        state = info.details.get("engine", "ready")
        print(f"{variant}: {info.backend} {info.precision} on {info.device} ({state}, {opened:.1f} s), "
              f"model sha256 {info.model_sha256[:12]}")
        if info.details.get("auto"):
            print(f"  {info.details['auto']}")
    return 0


def _matches(key: dict[str, str], args: argparse.Namespace) -> bool:
    return ((args.backend is None or key.get("backend") == args.backend)
            and (args.precision is None or key.get("precision") == args.precision))


def run_list(args: argparse.Namespace) -> int:
    from engines.cache import ArtifactCache

    cache = ArtifactCache()
    entries = [e for e in cache.entries() if _matches(e.key, args)]
    if not entries:
        print(f"nothing cached in {cache.root}")
        return 0
    print(f"cache: {cache.root}")
    print(f"  {'kind':8} {'backend':12} {'prec':5} {'size':>9}  device  library  [state]  file")
    for e in entries:
        k = e.key
        where = k.get("device") or "any"
        status = "ok" if e.valid else "INVALID (rebuilt on next use)"
        size = f"{e.size / 1e6:.1f} MB" if e.size >= 0 else "missing"
        print(f"  {k.get('kind', '?'):8} {k.get('backend', '?'):12} {k.get('precision', '?'):5} {size:>9}  "
              f"{where}  {k.get('library', '')}  [{status}]  {e.path.name}")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    from engines.cache import ArtifactCache

    cache = ArtifactCache()
    if args.stale:
        from engines.backends.tensorrt_plan import installed_tensorrt_version

        version = installed_tensorrt_version()
        stale = cache.clear_stale({"tensorrt": version}, lambda key: _matches(key, args))
        for entry in stale:
            print(f"  removed {entry.path.name} ({_why_stale(entry, version)})")
        removed = len(stale)
    else:
        removed = cache.clear(backend=args.backend, precision=args.precision)
    print(f"removed {removed} cached item{'s' if removed != 1 else ''} from {cache.root}")
    return 0


def _why_stale(entry: object, version: str | None) -> str:
    key = getattr(entry, "key", {})
    if not key or not getattr(entry, "valid", True) and key.get("kind") != "timing":
        return "damaged or incomplete"
    here = f"TensorRT {version} installed" if version else "TensorRT not installed"
    return f"built for another TensorRT; {here}"
