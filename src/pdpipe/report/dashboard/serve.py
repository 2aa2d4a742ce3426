"""`pdpipe dashboard`: the static site over HTTP on this machine only (127.0.0.1).

The pages link to the run folders (Data Docs, documents) by relative paths, so the server's
root is the folder holding both the site and the run folders; only those two trees are
served, nothing else under that root, and never a withheld folder inside them: access
reports, which hold personal data, live in the run outputs' folder when PDPIPE_OUTPUT_DIR
is set.
"""

from __future__ import annotations

import functools
import io
import os
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

HOST = "127.0.0.1"


class _Handler(SimpleHTTPRequestHandler):
    """Files under the allowed folders; 404 for the rest of the root. Quiet: the terminal
    shows the URL, not a line per request."""

    allowed: tuple[Path, ...] = ()
    withheld: tuple[Path, ...] = ()

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        wanted = Path(self.translate_path(self.path)).resolve()
        if not any(wanted.is_relative_to(folder) for folder in self.allowed) or any(
            wanted.is_relative_to(folder) for folder in self.withheld
        ):
            self.send_error(HTTPStatus.NOT_FOUND, "not part of the dashboard")
            return None
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class DashboardServer:
    """The site at `site`, with the run folders under `runs` (None: the site alone), less
    the `withheld` folders."""

    def __init__(
        self,
        site: Path,
        runs: Path | None = None,
        port: int = 0,
        withheld: tuple[Path, ...] = (),
    ) -> None:
        self.site = site.resolve()
        folders = [self.site] + ([runs.resolve()] if runs is not None else [])
        self.root = Path(os.path.commonpath(folders))
        attributes = {
            "allowed": tuple(folders),
            "withheld": tuple(folder.resolve() for folder in withheld),
        }
        handler = type("Handler", (_Handler,), attributes)
        self.httpd = ThreadingHTTPServer(
            (HOST, port), functools.partial(handler, directory=str(self.root))
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        path = (self.site / "index.html").relative_to(self.root).as_posix()
        return f"http://{HOST}:{self.port}/{quote(path)}"

    def serve_forever(self) -> None:
        """Until Ctrl-C (KeyboardInterrupt) or shutdown() from another thread."""
        try:
            self.httpd.serve_forever()
        finally:
            self.httpd.server_close()

    def shutdown(self) -> None:
        self.httpd.shutdown()
