"""``runsinglehap``-compatible entry points: the command line and ``perform()``.

``runsinglehap [-d] [-l LEVEL] INPUT [-- OVERRIDE ...]`` processes the visit named by the poller
or list file INPUT into the current directory, as drizzlepac's command does. Hydra overrides
may follow ``--``. drizzlepac's ``-c`` custom-parameter JSON is not accepted: its parameter
names are AstroDrizzle's; use overrides (README) instead — asking for it exits with code 3.

From Python, :func:`perform` has drizzlepac's signature and returns runsinglehap's exit codes
(0, 65 no viable data, ...; hapsvm adds 2 bad input, 3 bad configuration, 6 output in use).
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "build_svm_argv", "perform", "LOG_LEVELS"]

#: The log levels runsinglehap accepts; any other value falls back to ``info`` (as drizzlepac).
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _level(log_level: str, diagnostic_mode: bool) -> str:
    if diagnostic_mode:
        return "DEBUG"
    level = str(log_level).lower()
    return (level if level in LOG_LEVELS else "info").upper()


def perform(input_filename: str | Path, input_custom_pars_file: str | None = None,
            diagnostic_mode: bool = False, log_level: str = "info", *,
            overrides: Sequence[str] = (), output_dir: str | Path | None = None) -> int:
    """Process one visit into the working directory, as drizzlepac's ``runsinglehap.perform``.

    Parameters
    ----------
    input_filename
        Poller file (8 columns) or list file naming the visit's FLT/FLC files.
    input_custom_pars_file
        drizzlepac's custom-parameter JSON; not supported (its names are AstroDrizzle's):
        giving one returns 3. Use ``overrides`` instead.
    diagnostic_mode
        DEBUG logging.
    log_level
        ``critical``, ``error``, ``warning``, ``info`` or ``debug``; anything else means info.
    overrides
        hapsvm config overrides (data only, as :func:`hapsvm.run_visit`).
    output_dir
        Where products go; default: the working directory (as runsinglehap).

    Returns
    -------
    int
        The exit code (0 success, 65 no viable data; see the README's table).
    """
    if input_custom_pars_file:
        log.error("runsinglehap: custom parameter files (%s) are AstroDrizzle-specific and not "
                  "supported; pass overrides instead", input_custom_pars_file)
        return 3
    from hapsvm.api import run_visit

    result = run_visit(Path(input_filename).resolve(),
                       output_dir=Path.cwd() if output_dir is None else output_dir,
                       overrides=overrides, log_level=_level(log_level, diagnostic_mode))
    return result.exit_code


log = logging.getLogger(__name__)


def build_svm_argv(argv: list[str]) -> list[str]:
    """Translate runsinglehap arguments into ``svm`` (Hydra) arguments.

    Examples
    --------
    >>> build_svm_argv(["-l", "debug", "ib6o21.out"])[:2]  # doctest: +ELLIPSIS
    ['input=...ib6o21.out', 'output_dir=...']
    """
    parser = argparse.ArgumentParser(
        prog="runsinglehap", description="Single-visit mosaic processing of one HST visit "
        "(hapsvm's runsinglehap-compatible front end).")
    parser.add_argument("input", help="poller file (8 columns) or list file of FLT/FLC files")
    parser.add_argument("-c", "--custom-pars", dest="custom", default=None,
                        help="not supported by hapsvm (use Hydra overrides after --)")
    parser.add_argument("-d", "--diagnostic", action="store_true",
                        help="diagnostic mode: DEBUG logging")
    parser.add_argument("-l", "--log-level", default="info", type=str.lower,
                        help="critical, error, warning, info (default) or debug")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (after --)")
    args = parser.parse_args(argv)
    if args.custom:
        raise SystemExit("runsinglehap: -c custom parameter files are AstroDrizzle-specific and "
                         "not supported; pass overrides after '--' (see README)")
    return [f"input={Path(args.input).resolve()}", f"output_dir={Path.cwd()}",
            f"log_level={_level(args.log_level, args.diagnostic)}", *args.overrides]


def main() -> None:
    """Console entry point of ``runsinglehap``."""
    try:
        svm_args = build_svm_argv(sys.argv[1:])
    except SystemExit as stop:
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
            sys.exit(3)
        raise
    from hapsvm.cli import main as svm_main

    sys.argv = [sys.argv[0], *svm_args]
    svm_main()
