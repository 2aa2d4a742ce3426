"""Where pdpipe's log records go when it runs as a command: `-v`, `-q`, `--log-file`.

Only the `pdpipe` loggers are routed: third-party libraries (SQLAlchemy, GX, Prefect)
can quote a statement's parameters or a row, pdpipe's own records never carry a value.
The terminal gets warnings by default, INFO with `-v`, DEBUG with `-vv`; a log file gets
INFO and up (DEBUG with `-vv`), timestamped, appended to. The records still propagate to
the process's own handlers (a host embedding the CLI, a test's log capture), which see
what they saw before; Prefect's console handler is silenced by the CLI itself.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from pdpipe.errors import BadInput

LOGGER = "pdpipe"
_MARK = "_pdpipe_cli_handler"  # the handlers this module added, and only those, are removed
_STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"
_FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_FILE_DATES = "%Y-%m-%dT%H:%M:%S%z"


def terminal_level(verbose: int) -> int:
    """The stderr threshold: warnings (also under --quiet: they are not chatter), then
    INFO with -v, DEBUG with -vv."""
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


def configure(verbose: int = 0, log_file: Path | None = None) -> None:
    """Route pdpipe's records to stderr and, if given, to `log_file` (appended to).

    Raises BadInput naming the file when it cannot be opened for appending.
    """
    reset()
    logger = logging.getLogger(LOGGER)
    handlers: list[logging.Handler] = []
    if log_file is not None:
        try:
            to_file = logging.FileHandler(log_file, mode="a", encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise BadInput(f"--log-file: cannot append to {log_file}: {reason}") from None
        to_file.setFormatter(logging.Formatter(_FILE_FORMAT, _FILE_DATES))
        to_file.setLevel(min(logging.INFO, terminal_level(verbose)))
        handlers.append(to_file)
    # sys.stderr as it is at each record (a test's capture, a redirected stream).
    to_stderr = _CurrentStderrHandler()
    to_stderr.setFormatter(logging.Formatter(_STDERR_FORMAT))
    to_stderr.setLevel(terminal_level(verbose))
    handlers.append(to_stderr)
    for handler in handlers:
        setattr(handler, _MARK, True)
        logger.addHandler(handler)
    # Records must be made down to the most verbose handler's level, but never fewer than
    # the process asked for (a host's or a test's root level): they still propagate to
    # its handlers, as they did before.
    wanted = min(h.level for h in handlers)
    if logger.getEffectiveLevel() > wanted:
        _previous_level.append(logger.level)
        logger.setLevel(wanted)


def reset() -> None:
    """Undo configure(): close its file, give the pdpipe logger back its level."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, _MARK, False)]:
        logger.removeHandler(handler)
        handler.close()
    while _previous_level:
        logger.setLevel(_previous_level.pop())


_previous_level: list[int] = []  # the level configure() replaced, until reset()


class _CurrentStderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is when a record arrives (a test's capture, a stream
    redirected after start-up), as logging's last-resort handler does."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)
