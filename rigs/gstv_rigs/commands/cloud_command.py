"""`gstv cloud --port P --data DIR [--host H] [--token-file F]`: run the reference cloud
(gstv_rigs.cloud) until SIGTERM or Ctrl-C. It prints one line, `cloud_listening
url=http://H:P`, once it accepts requests (with `--port 0` the port is the system's
choice: read it there)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from gstv.logs import setup_logging
from gstv_rigs.cloud import CloudServer, CloudStore


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("cloud", help="run the reference cloud (tests, demo, rigs)")
    parser.add_argument("--port", type=int, required=True, metavar="P")
    parser.add_argument("--data", type=Path, required=True, metavar="DIR")
    parser.add_argument("--host", default="127.0.0.1", metavar="H")
    parser.add_argument("--token-file", type=Path, metavar="F",
                        help="require 'Authorization: Bearer <token>' with this token")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    setup_logging(False)
    token = None
    if args.token_file is not None:
        try:
            token = args.token_file.read_text().strip()
        except OSError as exc:
            print(f"gstv cloud: cannot read {args.token_file}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
    try:
        server = CloudServer((args.host, args.port), CloudStore(args.data), token)
    except OSError as exc:
        print(f"gstv cloud: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server.serve_in_background()
    print(f"cloud_listening url={server.url}", flush=True)
    stop.wait()
    server.close()
    return 0
