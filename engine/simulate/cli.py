"""``svm-simulate``: write a simulated HST visit with its truth from the command line."""
from __future__ import annotations

import argparse
import logging
import sys

from astropy.io import fits

from hapsvm.errors import HapsvmError
from hapsvm.simulate.astrometry import DEFAULT_PM_DISPERSION_MAS_YR
from hapsvm.simulate.astrometry import DEFAULT_PM_MEAN_MAS_YR
from hapsvm.simulate.crowding import CROWDING_MODES
from hapsvm.simulate.detectors import DETECTORS
from hapsvm.simulate.plan import EXTRAS
from hapsvm.simulate.visit import SimulatedVisit
from hapsvm.simulate.visit import simulate_visit

__all__ = ["main", "build_parser"]


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _pair(text: str) -> tuple[float, float]:
    values = [float(t) for t in text.split(",")]
    if len(values) != 2:
        raise argparse.ArgumentTypeError("expected two comma-separated numbers")
    return values[0], values[1]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``svm-simulate``."""
    p = argparse.ArgumentParser(
        prog="svm-simulate",
        description="Simulate a calibrated single HST visit (FLT/FLC files, poller file, "
                    "reference catalogue) with its known truth in <OUT_DIR>/<ipppss>_<detector>/.")
    p.add_argument("out_dir", metavar="OUT_DIR", help="parent directory of the visit")
    p.add_argument("--detector", default="wfc3_ir", choices=sorted(DETECTORS))
    p.add_argument("--n-exposures", type=int, default=4, help="regular direct images")
    p.add_argument("--filters", type=_names, default=None,
                   help="comma-separated filters, round-robin (default per detector)")
    p.add_argument("--size", type=int, default=None,
                   help="image side in pixels (UVIS/ACS chips: SIZE/2 x SIZE); default full frame")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--extras", type=_names, default=[],
                   help=f"comma-separated extra exposures: {', '.join(EXTRAS)}")
    p.add_argument("--no-pointing-error", action="store_true",
                   help="header WCS = true WCS (no a-priori pointing error)")
    p.add_argument("--n-stars", type=int, default=None, help="mean stars per chip image")
    p.add_argument("--n-galaxies", type=int, default=None, help="mean galaxies per chip image")
    p.add_argument("--exptime", type=float, default=None, help="seconds per exposure")
    p.add_argument("--epoch", type=float, default=None,
                   help="start of the visit as a decimal year (default: the template's date)")
    p.add_argument("--pm-mean", type=_pair, default=DEFAULT_PM_MEAN_MAS_YR,
                   metavar="PMRA,PMDEC", help="mean proper motion of the field, mas/yr "
                   "(default %(default)s)")
    p.add_argument("--pm-dispersion", type=float, default=DEFAULT_PM_DISPERSION_MAS_YR,
                   help="proper-motion dispersion per axis, mas/yr (default %(default)s)")
    p.add_argument("--crowding", default="sparse", choices=CROWDING_MODES,
                   help="sparse: a high-latitude field (default); crowded: the outskirts of a "
                   "47 Tuc-like globular cluster, ~30,000 stars per ACS/WFC chip from a cluster "
                   "luminosity function, saturated giants with bleed trails, a Gaia catalogue "
                   "cut at Gaia's crowding limit (use short exposures, e.g. --exptime 40)")
    p.add_argument("--exact-catalog", action="store_true",
                   help="reference catalogue without Gaia-DR3-like errors (the truth)")
    p.add_argument("--proposal-id", type=int, default=99999)
    p.add_argument("--obset-id", default="01")
    p.add_argument("--program-id", default="sim")
    p.add_argument("--overwrite", action="store_true", help="replace an existing simulated visit")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return p


def _summary(visit: SimulatedVisit) -> list[str]:
    lines = [f"visit dir: {visit.visit_dir}", f"poller:    {visit.poller_path}",
             f"catalogue: {visit.reference_catalog_path} ({visit.reference_csv_path.name})"]
    for path, exp in zip(visit.exposure_paths, visit.truth.exposures):
        with fits.open(path) as hdul:
            prim = hdul[0].header
            shapes = "+".join(f"{h.data.shape[1]}x{h.data.shape[0]}" for h in hdul
                              if h.name == "SCI")
            filt = prim.get("FILTER") or f"{prim.get('FILTER1')};{prim.get('FILTER2')}"
        lines.append(f"{path.name}  {exp.kind:<13} {filt:<15} {exp.exptime:8.1f} s  {shapes:<15} "
                     f"a-priori ({exp.apriori_dx_arcsec:+.3f}\", {exp.apriori_dy_arcsec:+.3f}\", "
                     f"{exp.apriori_rot_deg:+.4f} deg)  expected {exp.expected}"
                     + (f" ({exp.reason})" if exp.reason else ""))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run ``svm-simulate``; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        visit = simulate_visit(
            args.out_dir, detector=args.detector, n_exposures=args.n_exposures,
            filters=args.filters, size=args.size, seed=args.seed,
            pointing_error=not args.no_pointing_error, extras=args.extras,
            n_stars=args.n_stars, n_galaxies=args.n_galaxies, exptime=args.exptime,
            epoch_year=args.epoch, pm_mean_mas_yr=args.pm_mean,
            pm_dispersion_mas_yr=args.pm_dispersion, catalog_errors=not args.exact_catalog,
            crowding=args.crowding,
            proposal_id=args.proposal_id, obset_id=args.obset_id, program_id=args.program_id,
            overwrite=args.overwrite)
    except HapsvmError as err:
        print(f"svm-simulate: error: {err}", file=sys.stderr)
        return err.exit_code
    print("\n".join(_summary(visit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
