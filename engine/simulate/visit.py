"""Simulate one calibrated HST visit (FLT/FLC files, poller, reference catalogue) with its truth."""
from __future__ import annotations

import logging
import shutil
import warnings
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

import numpy as np
from astropy.time import Time
from erfa import ErfaWarning

from hapsvm.errors import ConfigError
from hapsvm.errors import InputError
from hapsvm.simulate.astrometry import DEFAULT_PM_DISPERSION_MAS_YR
from hapsvm.simulate.astrometry import DEFAULT_PM_MEAN_MAS_YR
from hapsvm.simulate.astrometry import draw_catalog_astrometry
from hapsvm.simulate.crowding import CROWDED_STARS_PER_ARCSEC2
from hapsvm.simulate.crowding import CROWDING_MODES
from hapsvm.simulate.detectors import DetectorSpec
from hapsvm.simulate.detectors import get_detector
from hapsvm.simulate.filters import FilterInfo
from hapsvm.simulate.filters import get_filter
from hapsvm.simulate.footprint import keep_near_chips
from hapsvm.simulate.footprint import scene_box
from hapsvm.simulate.geometry import ChipGeometry
from hapsvm.simulate.geometry import apriori_matrix
from hapsvm.simulate.geometry import crop_chip
from hapsvm.simulate.geometry import move_matrix
from hapsvm.simulate.geometry import orientat
from hapsvm.simulate.geometry import reference_point
from hapsvm.simulate.geometry import roll_matrix
from hapsvm.simulate.geometry import tan_point
from hapsvm.simulate.geometry import transform_chip
from hapsvm.simulate.headers import VisitKeywords
from hapsvm.simulate.headers import apriori_wcsname
from hapsvm.simulate.plan import ExposurePlan
from hapsvm.simulate.plan import check_extras
from hapsvm.simulate.plan import plan_exposures
from hapsvm.simulate.poller import write_poller
from hapsvm.simulate.psf import psf_for
from hapsvm.simulate.render import CR_MASK_THRESHOLD_E
from hapsvm.simulate.scene import Scene
from hapsvm.simulate.scene import make_scene
from hapsvm.simulate.scene import sources_table
from hapsvm.simulate.scene import write_reference_catalogs
from hapsvm.simulate.templates import DetectorTemplate
from hapsvm.simulate.templates import load_template
from hapsvm.simulate.truth import TRUTH_DIR
from hapsvm.simulate.truth import ExposureTruth
from hapsvm.simulate.truth import VisitTruth
from hapsvm.simulate.writer import ExposureGeometry
from hapsvm.simulate.writer import header_chips_of
from hapsvm.simulate.writer import write_exposure

__all__ = ["SimulatedVisit", "simulate_visit", "DEFAULT_TARGET", "DEFAULT_EXPSTART"]

log = logging.getLogger(__name__)

#: Default pointing (RA, Dec in degrees): the GOODS-South field of the real visit 21.
DEFAULT_TARGET = (53.1625, -27.7914)
#: Default start (MJD) of the first exposure per instrument (dates of the template headers).
DEFAULT_EXPSTART = {"WFC3": 55611.11127, "ACS": 53044.86482}
_STARS_PER_CHIP, _GALAXIES_PER_CHIP = 150, 40
_MIN_STARS, _MIN_GALAXIES = 60, 10
_MARGIN_ARCSEC = 3.0


@dataclass
class SimulatedVisit:
    """Paths of a simulated visit and its truth."""

    visit_dir: Path
    poller_path: Path
    exposure_paths: list[Path]
    """Every FLT/FLC file, regular exposures first, then the extras."""
    imaging_paths: list[Path]
    """The regular direct-imaging exposures (never an extra)."""
    reference_catalog_path: Path
    """``reference_gaia.ecsv``: Gaia-like stars at epoch 2016.0 with proper motions."""
    reference_csv_path: Path
    """``reference_gaia.csv``: the same stars as the catalogue service would serve them."""
    truth: VisitTruth = field(repr=False)


def _chip_shape(spec: DetectorSpec, size: int | None) -> tuple[int, int]:
    if size is None:
        return spec.chip_shape
    if not 32 <= size <= spec.chip_shape[1]:
        raise ConfigError(f"must be between 32 and {spec.chip_shape[1]} pixels (or None for "
                          "full frames)", key="size", value=size)
    return (size, size) if spec.n_chips == 1 else (size // 2, size)


def _place(template: DetectorTemplate, ra: float, dec: float,
           pa_deg: float) -> list[ChipGeometry]:
    """Full-frame template chips moved so the reference point is (ra, dec), ORIENTAT = pa."""
    chips = [c.geometry for c in template.chips]
    ra0, dec0 = reference_point(chips)
    chips = [transform_chip(c, move_matrix(ra0, dec0, ra, dec)) for c in chips]
    for _ in range(3):
        roll = roll_matrix(ra, dec, pa_deg - orientat(chips[0].cd))
        chips = [transform_chip(c, roll) for c in chips]
    return chips


def _pointing(chips: list[ChipGeometry], target: tuple[float, float],
              postarg: tuple[float, float]) -> tuple[float, float]:
    """Reference point of a dithered exposure: the target appears offset by POSTARG."""
    cd = chips[0].cd_matrix
    ex, ey = cd[:, 0] / np.linalg.norm(cd[:, 0]), cd[:, 1] / np.linalg.norm(cd[:, 1])
    off = -(postarg[0] * ex + postarg[1] * ey) / 3600.0
    ra, dec = tan_point(off[0], off[1], *target)
    return float(ra), float(dec)


def _geometry(template: DetectorTemplate, plan: ExposurePlan, target: tuple[float, float],
              pa: float, shape: tuple[int, int]) -> ExposureGeometry:
    base = _place(template, *target, pa)
    ref = _pointing(base, target, plan.postarg)
    true = [crop_chip(c, shape) for c in _place(template, *ref, pa)]
    matrix = apriori_matrix(*ref, *plan.apriori)
    hdr_ref = tan_point(plan.apriori[0] / 3600, plan.apriori[1] / 3600, *ref)
    return ExposureGeometry(true, header_chips_of(true, matrix), matrix, ref,
                            (float(hdr_ref[0]), float(hdr_ref[1])))


def _prepare_dir(out_dir: Path, name: str, overwrite: bool) -> Path:
    visit_dir = Path(out_dir) / name
    if visit_dir.exists() and any(visit_dir.iterdir()):
        if not overwrite:
            raise InputError("visit directory exists and is not empty (pass overwrite=True to "
                             "replace a simulated visit)", file=visit_dir)
        if not (visit_dir / TRUTH_DIR / "visit.json").is_file():
            raise InputError("refusing to overwrite a directory that is not a simulated visit",
                             file=visit_dir)
        shutil.rmtree(visit_dir)
    (visit_dir / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
    return visit_dir


def _check_names(program_id: str, obset_id: str, n_exposures: int) -> None:
    if len(program_id) != 3 or not program_id.isalnum():
        raise ConfigError("must be 3 letters or digits", key="program_id", value=program_id)
    if len(obset_id) != 2 or not obset_id.isalnum():
        raise ConfigError("must be 2 letters or digits", key="obset_id", value=obset_id)
    if n_exposures < 1:
        raise ConfigError("must be at least 1", key="n_exposures", value=n_exposures)


def _imaging_filters(spec: DetectorSpec, names: list[str] | tuple[str, ...]) -> list[FilterInfo]:
    infos = [get_filter(spec.name, n) for n in names]
    for info in infos:
        if info.kind != "imaging":
            raise ConfigError(f"{info.name} is a {info.kind} element; use the extras for it",
                              key="filters", value=info.name)
    if not infos:
        raise ConfigError("needs at least one filter", key="filters", value=list(names))
    return infos


def _exposure_truth(plan: ExposurePlan, geom: ExposureGeometry,
                    spec: DetectorSpec) -> ExposureTruth:
    return ExposureTruth(
        rootname=plan.rootname, filename=f"{plan.rootname}_{spec.suffix}.fits", kind=plan.kind,
        filter=plan.filter.name, exptime=plan.exptime, expstart=plan.expstart,
        postarg=plan.postarg, apriori_dx_arcsec=plan.apriori[0],
        apriori_dy_arcsec=plan.apriori[1], apriori_rot_deg=plan.apriori[2],
        ref_ra=geom.ref_true[0], ref_dec=geom.ref_true[1],
        chip_shapes=[c.shape for c in geom.true_chips], expected=plan.expected,
        reason=plan.reason)


def simulate_visit(out_dir: Path | str, *, detector: str = "wfc3_ir", n_exposures: int = 4,
                   filters: list[str] | tuple[str, ...] | None = None, size: int | None = None,
                   seed: int = 1, pointing_error: bool = True,
                   extras: list[str] | tuple[str, ...] = (), n_stars: int | None = None,
                   n_galaxies: int | None = None, exptime: float | None = None,
                   proposal_id: int = 99999, obset_id: str = "01", program_id: str = "sim",
                   target: tuple[float, float] = DEFAULT_TARGET,
                   orientat_deg: float | None = None, expstart_mjd: float | None = None,
                   epoch_year: float | None = None, proper_motions: bool = True,
                   pm_mean_mas_yr: tuple[float, float] = DEFAULT_PM_MEAN_MAS_YR,
                   pm_dispersion_mas_yr: float = DEFAULT_PM_DISPERSION_MAS_YR,
                   catalog_errors: bool = True, crowding: str = "sparse",
                   overwrite: bool = False) -> SimulatedVisit:
    """Simulate a calibrated single HST visit and its truth, deterministically for ``seed``.

    Parameters
    ----------
    out_dir
        Parent directory; the visit is written to ``<out_dir>/<ipppss>_<detector>/``.
    detector
        ``wfc3_ir`` (FLT, e-/s), ``wfc3_uvis`` or ``acs_wfc`` (two-chip FLC, electrons).
    n_exposures
        Regular direct-imaging exposures, spread round-robin over ``filters``.
    filters
        Direct-imaging filters (default: F160W IR, F555W UVIS, F606W ACS).
    size
        None for full frames; else IR images are size×size and each UVIS/ACS chip is
        (size // 2)×size pixels, cut around the chip centre like a subarray (SUBARRAY = T).
    seed
        Seed of every random draw (scene, noise, cosmic rays, pointing errors).
    pointing_error
        If False the header WCS equals the true WCS.
    extras
        Extra exposures exercising the vetting rules: ``grism``, ``ramp`` (UVIS/ACS),
        ``zero_exptime``, ``dark``, ``scan`` (WFC3), ``moving_target``, ``chinject`` (UVIS),
        ``blocked`` (ACS), ``fgs_coarse``.
    n_stars, n_galaxies
        Mean number of stars / galaxies per chip image (default 150 / 40 per full chip, scaled
        to the image area, at least 60 / 10 but at most one per 400 / 2000 pixels; crowded:
        see ``crowding``); the catalogue covers the whole visit (plus a 3 arcsec margin) at
        that density.
    exptime
        Seconds per exposure (default per detector).
    proposal_id, obset_id, program_id
        Visit identifiers; rootnames are ``<i|j><program_id><obset_id><xx>q``.
    target, orientat_deg, expstart_mjd
        Pointing (RA, Dec degrees), ORIENTAT of SCI,1 (default: the template's) and MJD start
        (default: the template header's date, 2011.1 for WFC3, 2004.1 for ACS).
    epoch_year
        Start of the first exposure as a decimal year (e.g. 2009.0 or 2023.5), instead of
        ``expstart_mjd``. The images show the stars there; the catalogue lists them at 2016.0.
    proper_motions
        Give the stars proper motions; False makes every star fixed (mean and dispersion 0).
    pm_mean_mas_yr, pm_dispersion_mas_yr
        Mean (μα·cosδ, μδ) of the true proper motions, the field's reflex of the solar motion
        (default (1.5, −3.0) mas/yr), and their dispersion per axis (1σ, default 5 mas/yr).
    catalog_errors
        List Gaia-DR3-like errors in the reference catalogue: each star's position (J2016.0)
        and proper motion are off by errors drawn from uncertainties that grow with G
        (``hapsvm.simulate.astrometry``; tens of µas at G ≤ 17, 1 mas and 1.4 mas/yr at
        G = 21). False: the catalogue lists the true values, with zero uncertainties (the
        exact catalogue of earlier versions).
    crowding
        ``"sparse"`` (default): a high-latitude field, stars with G from 16 to 23.5.
        ``"crowded"``: the outskirts of a 47 Tuc-like globular cluster
        (``hapsvm.simulate.crowding``): by default 1.43 stars per arcsec² (30,000 per full
        ACS/WFC chip, about 24,000 on WFC3/IR and 33,000 per WFC3/UVIS chip) drawn from a
        cluster luminosity function — red giants and HB stars of V ≈ 12-15 that saturate
        every CCD exposure (full-well clipping, charge bled along the columns, DQ 256), a
        turnoff at V ≈ 17.6 and counts rising to V ≈ 24. The reference catalogue then holds
        only as many of the brightest stars as Gaia's crowding limit allows (about 1.05
        million per deg², some 1,700 per ACS/WFC chip), which in 400 s ACS exposures are all
        saturated: crowded visits for alignment want short exposures (``exptime`` ≈ 30-60 s).
        The proper-motion options still apply (a cluster moves as one: give its mean motion
        and a small dispersion, e.g. 0.5 mas/yr).
    overwrite
        Replace an existing simulated visit of the same name.

    Returns
    -------
    SimulatedVisit

    Raises
    ------
    ConfigError
        For an unknown detector, filter or extra, or a bad size or identifier.
    InputError
        If the visit directory exists and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile
    >>> visit = simulate_visit(tempfile.mkdtemp(), detector="wfc3_ir", n_exposures=2, size=64)
    >>> [p.name for p in visit.imaging_paths]
    ['isim01a0q_flt.fits', 'isim01a1q_flt.fits']
    """
    spec = get_detector(detector)
    _check_names(program_id, obset_id, n_exposures)
    if crowding not in CROWDING_MODES:
        raise ConfigError(f"must be one of {', '.join(CROWDING_MODES)}", key="crowding",
                          value=crowding)
    if epoch_year is not None:
        if expstart_mjd is not None:
            raise ConfigError("give expstart_mjd or epoch_year, not both", key="epoch_year",
                              value=epoch_year)
        expstart_mjd = _decimal_year_mjd(epoch_year)
    infos = _imaging_filters(spec, list(filters or spec.default_filters))
    extra_names = check_extras(spec, extras)
    shape = _chip_shape(spec, size)
    template = load_template(spec.name)
    ipppss = f"{spec.letter}{program_id}{obset_id}".lower()
    visit_dir = _prepare_dir(Path(out_dir), f"{ipppss}_{spec.name}", overwrite)
    pa = orientat(template.chips[0].geometry.cd) if orientat_deg is None else orientat_deg
    start = DEFAULT_EXPSTART[spec.instrument] if expstart_mjd is None else expstart_mjd
    plans = plan_exposures(spec, ipppss, infos, n_exposures, extra_names,
                           exptime=exptime or spec.default_exptime_s, expstart=start,
                           rng=np.random.default_rng([seed, 2]), pointing_error=pointing_error)
    geoms = [_geometry(template, p, target, pa, shape) for p in plans]
    motion = (pm_mean_mas_yr, pm_dispersion_mas_yr) if proper_motions else ((0.0, 0.0), 0.0)
    scene = _make_scene(spec, shape, geoms, target, seed, n_stars, n_galaxies,
                        _mjd_decimal_year(start), motion, catalog_errors,
                        crowded=crowding == "crowded")
    visit = VisitKeywords(proposal_id, obset_id, "SIM-FIELD", target[0], target[1],
                          (pa + template.pa_v3_offset) % 360.0, size is not None)
    wcsname = apriori_wcsname(template)
    paths = []
    for plan, geom in zip(plans, geoms):
        path = visit_dir / f"{plan.rootname}_{spec.suffix}.fits"
        write_exposure(path, template=template, spec=spec, plan=plan, geometry=geom,
                       scene=scene, visit=visit, wcsname=wcsname, seed=seed)
        paths.append(path)
        log.info("%d/%d %s: %s %s %.1f s, a-priori error (%.3f″, %.3f″, %.4f°)",
                 plan.index + 1, len(plans), path.name, plan.kind, plan.filter.name,
                 plan.exptime, *plan.apriori)
    return _finish(visit_dir, spec, template, plans, geoms, scene, paths, seed, target, pa,
                   wcsname, proposal_id, program_id, obset_id)


def _decimal_year_mjd(year: float) -> float:
    # UTC beyond the leap-second table (visits after ~2026) makes ERFA warn "dubious year";
    # an unknown future leap second changes nothing at the precision of an epoch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ErfaWarning)
        return float(Time(year, format="decimalyear").mjd)


def _mjd_decimal_year(mjd: float) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ErfaWarning)
        return float(Time(mjd, format="mjd").decimalyear)


def _make_scene(spec: DetectorSpec, shape: tuple[int, int], geoms: list[ExposureGeometry],
                target: tuple[float, float], seed: int, n_stars: int | None,
                n_galaxies: int | None, epoch: float,
                motion: tuple[tuple[float, float], float], catalog_errors: bool, *,
                crowded: bool) -> Scene:
    area = shape[0] * shape[1] * spec.pixel_scale ** 2
    fraction = shape[0] * shape[1] / (spec.chip_shape[0] * spec.chip_shape[1])
    npix = shape[0] * shape[1]
    if n_stars is not None:
        stars: float = n_stars
    elif crowded:
        stars = CROWDED_STARS_PER_ARCSEC2 * area
    else:
        stars = min(max(round(_STARS_PER_CHIP * fraction), _MIN_STARS), npix // 400)
    galaxies = n_galaxies if n_galaxies is not None else \
        min(max(round(_GALAXIES_PER_CHIP * fraction), _MIN_GALAXIES), npix // 2000)
    box = scene_box(geoms, target, _MARGIN_ARCSEC)
    scene = make_scene(np.random.default_rng([seed, 0]), center=target, box_arcsec=box,
                       star_density=stars / area, galaxy_density=galaxies / area, epoch=epoch,
                       pm_mean_mas_yr=motion[0], pm_dispersion_mas_yr=motion[1],
                       cluster=crowded)
    scene = keep_near_chips(scene, geoms, _MARGIN_ARCSEC)
    catalog = draw_catalog_astrometry(
        np.random.default_rng([seed, 5]), ra_2016=scene.ra_2016, dec_2016=scene.dec_2016,
        pmra=scene.pmra, pmdec=scene.pmdec, g_mag=scene.g_mag, apply_errors=catalog_errors)
    return replace(scene, catalog=catalog)


def _finish(visit_dir: Path, spec: DetectorSpec, template: DetectorTemplate,
            plans: list[ExposurePlan], geoms: list[ExposureGeometry], scene: Scene,
            paths: list[Path], seed: int, target: tuple[float, float], pa: float, wcsname: str,
            proposal_id: int, program_id: str, obset_id: str) -> SimulatedVisit:
    ecsv, csv = write_reference_catalogs(scene, visit_dir)
    direct = [p.filter for p in plans if p.filter.kind in ("imaging", "ramp")]
    used = list({f.name: f for f in direct}.values())
    table = sources_table(scene, used)
    table.write(visit_dir / TRUTH_DIR / "sources.ecsv", format="ascii.ecsv", overwrite=True)
    truth = VisitTruth(
        visit_dir=visit_dir, detector=spec.name, instrument=spec.instrument, epoch=scene.epoch,
        seed=seed, target=target, orientat_deg=pa, template_source=template.source,
        wcsname=wcsname, cr_threshold_e=CR_MASK_THRESHOLD_E,
        psf_fwhm_arcsec={f.name: round(psf_for(spec, f.pivot_a).fwhm_px * spec.pixel_scale, 4)
                         for f in used},
        exposures=[_exposure_truth(p, g, spec) for p, g in zip(plans, geoms)], sources=table,
        catalog_errors=bool(scene.catalog is not None and scene.catalog.errors_applied))
    (visit_dir / TRUTH_DIR / "visit.json").write_text(truth.to_json())
    ipppss = plans[0].rootname[:6]
    poller = write_poller(visit_dir, ipppss, plans, spec, proposal_id, program_id, obset_id)
    log.info("simulated %s: %d exposures, %d stars (%d in the reference catalogue), %d galaxies",
             visit_dir.name, len(paths), scene.ra.size, int(scene.in_reference.sum()),
             scene.gal_ra.size)
    return SimulatedVisit(
        visit_dir=visit_dir, poller_path=poller, exposure_paths=paths,
        imaging_paths=[path for path, p in zip(paths, plans) if p.kind == "imaging"],
        reference_catalog_path=ecsv, reference_csv_path=csv, truth=truth)
