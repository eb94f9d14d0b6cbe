"""The known truth of a simulated visit: true WCSs, sources, a-priori errors, cosmic-ray masks.

Layout of ``<visit_dir>/truth/``::

    visit.json                      summary (VisitTruth without the sources table)
    sources.ecsv                    every simulated source (stars and galaxies)
    <rootname>_sci<extver>_wcs.hdr  true WCS of SCI,<extver> (FITS header file, TAN-SIP)
    <rootname>_crmask.fits          injected cosmic rays: one uint8 image per chip (EXTNAME CRMASK)
"""
from __future__ import annotations

import json
import warnings
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from hapsvm.errors import InputError
from hapsvm.simulate.geometry import apply_matrix
from hapsvm.simulate.geometry import apriori_matrix

__all__ = ["TRUTH_DIR", "ExposureTruth", "VisitTruth", "load_truth", "wcs_path", "crmask_path"]

TRUTH_DIR = "truth"


@dataclass(frozen=True)
class ExposureTruth:
    """What is known about one simulated exposure."""

    rootname: str
    filename: str
    kind: str
    """``imaging`` (regular direct image) or the name of the extra."""
    filter: str
    """Filter name, e.g. ``F160W`` (ACS: the non-CLEAR element)."""
    exptime: float
    expstart: float
    postarg: tuple[float, float]
    apriori_dx_arcsec: float
    """Header minus truth at the reference point, ΔRA·cosδ, arcsec."""
    apriori_dy_arcsec: float
    """Header minus truth at the reference point, ΔDec, arcsec."""
    apriori_rot_deg: float
    """Header minus truth rotation about the reference point (position angles), degrees."""
    ref_ra: float
    """True reference point (IR: chip CRVAL; UVIS/ACS: mid-point of the chips' CRVALs), deg."""
    ref_dec: float
    chip_shapes: list[tuple[int, int]]
    """(ny, nx) of SCI,1, SCI,2, ..."""
    expected: str
    """Expected SVM vetting: usable, warning, grism, ramp or rejected."""
    reason: str
    """Keyword test deciding the vetting (``MTFLAG=T``), '' for usable images."""


@dataclass
class VisitTruth:
    """Truth of a simulated visit (see the module docstring for the files)."""

    visit_dir: Path
    detector: str
    instrument: str
    epoch: float
    """Decimal year of the visit; truth ``ra``/``dec`` of the sources are at this epoch."""
    seed: int
    target: tuple[float, float]
    orientat_deg: float
    template_source: str
    wcsname: str
    """WCSNAME of the a-priori header WCS (e.g. ``IDC_w3m18525i-GSC240``)."""
    cr_threshold_e: float
    psf_fwhm_arcsec: dict[str, float]
    """PSF FWHM per filter."""
    exposures: list[ExposureTruth]
    sources: Table = field(repr=False, default_factory=Table)
    catalog_errors: bool = False
    """Whether the reference catalogue's positions and proper motions carry drawn errors
    (``simulate_visit(catalog_errors=...)``); False: they are the truth's."""

    def exposure(self, rootname: str) -> ExposureTruth:
        """The truth of exposure ``rootname`` (9 characters, case-insensitive)."""
        for exp in self.exposures:
            if exp.rootname == rootname.lower():
                return exp
        raise InputError(f"no exposure {rootname!r} in this visit",
                         file=self.visit_dir / TRUTH_DIR / "visit.json", value=rootname)

    def true_wcs(self, rootname: str, chip: int) -> WCS:
        """True TAN-SIP WCS of ``SCI,<chip>`` (chip = EXTVER) of ``rootname``."""
        path = wcs_path(self.visit_dir, self.exposure(rootname).rootname, chip)
        if not path.is_file():
            raise InputError(f"no true WCS for chip {chip}", file=path, value=chip)
        header = fits.Header.fromfile(path)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return WCS(header)

    def apriori_error(self, rootname: str) -> tuple[float, float, float]:
        """(dx_arcsec, dy_arcsec, rot_deg): header minus truth at the exposure's reference point."""
        e = self.exposure(rootname)
        return e.apriori_dx_arcsec, e.apriori_dy_arcsec, e.apriori_rot_deg

    def header_position(self, rootname: str, ra: np.ndarray | float,
                        dec: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Sky position the header WCS gives to the pixel where true (ra, dec) lands."""
        e = self.exposure(rootname)
        matrix = apriori_matrix(e.ref_ra, e.ref_dec, e.apriori_dx_arcsec, e.apriori_dy_arcsec,
                                e.apriori_rot_deg)
        return apply_matrix(matrix, ra, dec)

    def cr_mask(self, rootname: str, chip: int) -> np.ndarray:
        """Boolean mask of the pixels of ``SCI,<chip>`` hit by injected cosmic rays."""
        path = crmask_path(self.visit_dir, self.exposure(rootname).rootname)
        with fits.open(path) as hdul:
            return np.asarray(hdul["CRMASK", chip].data, dtype=bool)

    def to_json(self) -> str:
        """The summary written as ``truth/visit.json`` (sources excluded)."""
        data = asdict(self)
        data.pop("sources")
        data["visit_dir"] = str(self.visit_dir)
        data["n_sources"] = len(self.sources)
        return json.dumps(data, indent=2)


def wcs_path(visit_dir: Path, rootname: str, chip: int) -> Path:
    """Path of the true-WCS header file of one chip."""
    return Path(visit_dir) / TRUTH_DIR / f"{rootname}_sci{chip}_wcs.hdr"


def crmask_path(visit_dir: Path, rootname: str) -> Path:
    """Path of the cosmic-ray mask file of one exposure."""
    return Path(visit_dir) / TRUTH_DIR / f"{rootname}_crmask.fits"


def load_truth(visit_dir: Path | str) -> VisitTruth:
    """Read the truth of a simulated visit from ``<visit_dir>/truth``.

    Raises
    ------
    InputError
        If ``truth/visit.json`` is missing or unreadable.
    """
    visit_dir = Path(visit_dir)
    path = visit_dir / TRUTH_DIR / "visit.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the visit truth ({err})", file=path) from err
    exposures = [ExposureTruth(**{**e, "postarg": tuple(e["postarg"]),
                                  "chip_shapes": [tuple(s) for s in e["chip_shapes"]]})
                 for e in data.pop("exposures")]
    data.pop("n_sources", None)
    data["visit_dir"] = visit_dir
    data["target"] = tuple(data["target"])
    sources = Table.read(visit_dir / TRUTH_DIR / "sources.ecsv", format="ascii.ecsv")
    return VisitTruth(exposures=exposures, sources=sources, **data)
