"""Parameters of catalogue generation (spec §6.4, §9): one flat, documented dataclass.

The step ``make_catalogs`` extends this class as its config, so every field here is a recipe
key (``make_catalogs.aperture_2_arcsec``), its docstring the schema description and its
:func:`~hapsvm.bounds.constrained` bounds the schema's limits.
Per-detector values live in ``conf/detector/<det>.yaml``; the defaults are ACS/WFC's.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from hapsvm.bounds import constrained

__all__ = ["CatalogParameters"]


@dataclass(frozen=True)
class CatalogParameters:
    """Point and segment catalogue parameters of one detector (spec §9)."""

    aperture_1_arcsec: float = constrained(0.05, exclusiveMinimum=0)
    """Radius of the small photometric aperture (``aperture_1``), arcsec."""
    aperture_2_arcsec: float = constrained(0.15, exclusiveMinimum=0)
    """Radius of the large photometric aperture (``aperture_2``), arcsec."""
    sky_annulus_arcsec: float = 0.25
    """Inner radius of the local sky annulus (``skyannulus_arcsec``), arcsec."""
    sky_annulus_width_arcsec: float = 0.25
    """Width of the local sky annulus (``dskyannulus_arcsec``), arcsec."""
    sky_statistic: str = constrained("mode", enum=["mode", "median", "mean"])
    """Sky statistic of the 3-sigma-clipped annulus (``salgorithm``): mode (3·median − 2·mean),
    median or mean."""
    fwhmpsf_arcsec: float = constrained(0.076, exclusiveMinimum=0)
    """PSF FWHM used for the detection kernels (``TWEAK_FWHMPSF``), arcsec."""
    nsigma: float = constrained(5.0, exclusiveMinimum=0)
    """Point-source detection threshold in units of the per-pixel noise (``nsigma``)."""
    sharpness_range: list[float] = field(default_factory=lambda: [0.2, 1.0])
    """DAOStarFinder sharpness bounds [low, high]."""
    roundness_range: list[float] = field(default_factory=lambda: [-1.0, 1.0])
    """DAOStarFinder roundness bounds [low, high]."""
    footprint_erosion_px: int = 10
    """Iterations of binary erosion of the illuminated footprint (WHT > 0)."""
    bkg_box_size: int = 27
    """Mesh box size of the 2-D background (``bkg_box_size``), pixels."""
    bkg_filter_size: int = 3
    """Median-filter size of the 2-D background mesh (``bkg_filter_size``), boxes."""
    simple_bkg: bool = False
    """Always use the sigma-clipped scalar background (``simple_bkg``)."""
    bkg_skew_threshold: float = 0.5
    """Skew |3(mean − median)/rms| above which a 2-D background is tried
    (``bkg_skew_threshold``)."""
    zero_percent: float = 25.0
    """Percentage of exactly-zero illuminated pixels above which the background is 0
    (``zero_percent``)."""
    negative_percent: float = 15.0
    """The 2-D background is rejected if more than this % of pixels fall below −1 rms
    (``negative_percent``)."""
    nsigma_clip: float = 3.0
    """Sigma-clipping limit of the background statistics (``nsigma_clip``)."""
    maxiters: int = 3
    """Sigma-clipping iterations of the background statistics (``maxiters``)."""
    segm_nsigma: float = constrained(3.0, exclusiveMinimum=0)
    """Segmentation threshold in units of the per-pixel noise (``sourcex.segm_nsigma``)."""
    source_box: int = constrained(6, minimum=1)
    """Fewest connected pixels of a segment (``sourcex.source_box``)."""
    nlevels: int = 64
    """Multi-threshold levels of deblending (``sourcex.nlevels``)."""
    contrast: float = 0.001
    """Deblending contrast (``sourcex.contrast``)."""
    kron_scaling_radius: float = 2.5
    """Kron aperture scaling (``sourcex.kron_scaling_radius``)."""
    kron_minimum_radius: float = 3.5
    """Smallest Kron radius, pixels (``sourcex.kron_minimum_radius``)."""
    rw2d_size: int = 15
    """Size of the Ricker-wavelet kernel of the crowded-field pass, pixels
    (``sourcex.rw2d_size``)."""
    rw2d_nsigma: float = 2.0
    """Threshold of the Ricker-wavelet pass, noise units (``sourcex.rw2d_nsigma``)."""
    rw2d_biggest_pixels: int = 25000
    """A segmentation whose largest segment exceeds this many pixels is crowded."""
    rw2d_biggest_source: float = 0.015
    """A segmentation whose largest segment exceeds this fraction of the data pixels is crowded."""
    rw2d_source_fraction: float = 0.075
    """A Gaussian-pass segmentation covering more than this fraction of the data pixels is
    crowded."""
    biggest_source_deblend_limit: float = 0.15
    """Largest-segment fraction allowed in the last wavelet pass."""
    ratio_bigsource_limit: float = 2.0
    """Accept the last wavelet pass if Gaussian-largest / wavelet-largest exceeds this."""
    ratio_bigsource_deblend_limit: float = 10.0
    """Segments this many times larger than the next smaller one are not deblended."""
    ci_lower_limit: float = 0.9
    """Concentration index below which (minus its error) a source is flagged 16 (too compact)."""
    ci_upper_limit: float = 1.23
    """Concentration index above which a source is flagged 1 (extended)."""
    faint_snr: float = 5.0
    """Flag 8 (faint) when FluxAp2 < faint_snr · FluxErrAp2 (``bthresh``)."""
    flag_trim_value: int = 5
    """Total-catalogue rows whose every filter flag exceeds this are removed."""
    flag_saturation: bool = True
    """Set flag 4 from the input exposures' DQ saturation bits (spec: never for WFC3/IR). The
    bits are read either way: saturated stars never serve as PSF or aperture-correction stars,
    and their saturated pixels are left out of the PSF fits."""
    saturation_dq_bits: list[int] = field(default_factory=lambda: [256])
    """DQ bits of the input exposures that mark saturated pixels."""
    detect_saturated: bool = True
    """Add one point source per saturated region (input DQ saturation bits mapped into the total
    product) and drop detections in its bleed trail and wings."""
    saturated_min_pixels: int = constrained(3, minimum=1)
    """Fewest product pixels of a saturated region that make a saturated star."""
    saturated_dilation_px: int = constrained(3, minimum=0)
    """Dilation of a saturated region (bleed trail, core edge) inside which detections are dropped,
    pixels."""
    saturated_radius_factor: float = constrained(4.0, minimum=0)
    """Detections within this many (saturated-core radius + 1 px) of a saturated star are its wings
    unless significant."""
    saturated_keep_nsigma: float = 10.0
    """A detection in a saturated star's wings is kept when its peak exceeds the wing median at its
    radius by this many robust sigmas."""
    edge_any_coverage: bool = False
    """Flag 64 only where no exposure covers the aperture (IR, SBC); else 1.5 or 2.5 exposures."""
    apcorr_radius_arcsec: float = 1.0
    """Radius of the large aperture the aperture correction is measured to, arcsec."""
    apcorr_outer_factor: float = constrained(2.0, minimum=1)
    """The light between ``apcorr_radius_arcsec`` and this multiple of it is measured on the
    reference stars' radial profiles and included in the correction (1: not measured)."""
    apcorr_large_ee: float = constrained(1.0, exclusiveMinimum=0, maximum=1)
    """Encircled energy of the PSF within the outer radius (``apcorr_outer_factor`` ×
    ``apcorr_radius_arcsec``; 1: treat it as infinite)."""
    apcorr_min_snr: float = 50.0
    """Smallest FluxAp2 S/N of a star used to measure the aperture correction."""
    apcorr_min_stars: int = constrained(5, minimum=1)
    """Fewest isolated bright stars for a measured correction; fewer: ``apcorr_default_mag``."""
    apcorr_default_mag: float = -0.25
    """Aperture-2 to infinity correction used when too few stars are measured, mag."""
    psf_photometry: bool = True
    """Fit a PSF at every catalogue position (MagPSF, FluxPSF, QfitPSF, Chi2PSF columns)."""
    psf_fit_shape: int = constrained(5, minimum=3)
    """Side of the square box of pixels fitted around each source (odd), pixels."""
    psf_xy_bound_px: float = constrained(0.5, minimum=0)
    """The PSF fit may move a source this far from its catalogue position, pixels (0: fixed)."""
    psf_stamp_px: int = constrained(15, minimum=5)
    """Size of the star stamps the effective PSF is built from (odd), pixels."""
    psf_oversampling: int = constrained(2, minimum=1)
    """Oversampling of the effective PSF."""
    psf_star_ci_width: float = constrained(0.3, exclusiveMinimum=0)
    """PSF stars lie within this many mag of the stellar concentration index (wider than the
    aperture-correction stars' 0.08: an undersampled star's CI changes with its sub-pixel
    position, and a narrow band keeps only stars centred alike, leaving the effective PSF's
    other sub-pixel samples unconstrained)."""
    psf_min_stars: int = constrained(10, minimum=1)
    """Fewest isolated bright stars for an effective PSF; fewer: a Gaussian of their FWHM."""
    psf_max_stars: int = constrained(200, minimum=1)
    """Most (brightest) stars the effective PSF is built from."""
    psf_scale_degree: int = constrained(2, minimum=0)
    """Degree of the polynomial in x and y that puts PSF-fit fluxes on the total-flux scale (the
    drizzled PSF changes over the image); lower with fewer than 10 reference stars per term."""
    psf_saturated_grow_px: int = constrained(1, minimum=0)
    """Product pixels holding saturated input pixels (``saturation_dq_bits``), grown by this many
    pixels, are left out of the PSF fits: drizzling leaves a saturated core partly empty and its
    partly covered pixels low, so the fit measures such a star from its wings."""
    psf_min_snr: float = constrained(3.0, minimum=0)
    """Rows with a smaller aperture-2 S/N are not fitted (their PSF columns are missing)."""
    trust_min_snr: float = constrained(10.0, minimum=0)
    """A trusted row has at least this aperture-2 S/N in its filter."""
    trust_other_snr: float = constrained(3.0, minimum=0)
    """With several filters, a trusted row also has this aperture-2 S/N in another filter (a
    cosmic-ray residual of one exposure shows in one filter only)."""
    trust_wing_radius_arcsec: float = constrained(1.0, minimum=0)
    """An extended row (``trust_extended_ci``) this close to a source ``trust_wing_flux_ratio``
    times brighter is a detection in that source's wing: not trusted, arcsec."""
    trust_wing_flux_ratio: float = constrained(10.0, minimum=1)
    """Flux ratio (aperture 2) of the brighter source that makes a nearby extended row a wing
    detection."""
    trust_extended_ci: float = constrained(0.3, minimum=0)
    """For the wing test, a row is extended when its CI exceeds the catalogue's stellar CI by
    this many mag (flag 1 when the image has too few bright stars to know its stellar CI)."""
    max_flagged_fraction: float = constrained(0.9, minimum=0, maximum=1)
    """A catalogue whose fraction of rows flagged above ``flag_trim_value`` exceeds this is
    marked."""
    cr_rejection: bool = False
    """Apply the spec's cosmic-ray rejection rule (empties catalogues of single-exposure visits)."""
    crfactor_point: float = 300.0
    """Cosmic-ray rejection factor of the point catalogues (``crfactor`` aperture)."""
    crfactor_segment: float = 150.0
    """Cosmic-ray rejection factor of the segment catalogues (``crfactor`` segment)."""
