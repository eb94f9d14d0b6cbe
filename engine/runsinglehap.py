"""``runsinglehap``-compatible command line, mapped onto the ``svm`` Hydra app.

``runsinglehap [-d] [-l LEVEL] INPUT [-- OVERRIDE ...]`` processes the visit named by the poller
or list file INPUT into the current directory, as drizzlepac's command does. Hydra overrides
may follow ``--``. drizzlepac's ``-c`` custom-parameter JSON is not accepted: its parameter
names are AstroDrizzle's; use overrides (README) instead — asking for it exits with code 3.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "build_svm_argv"]

_LEVELS = ("critical", "error", "warning", "info", "debug")


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
    level = args.log_level if args.log_level in _LEVELS else "info"
    if args.diagnostic:
        level = "debug"
    return [f"input={Path(args.input).resolve()}", f"output_dir={Path.cwd()}",
            f"log_level={level.upper()}", *args.overrides]


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
