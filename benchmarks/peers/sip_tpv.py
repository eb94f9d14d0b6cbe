"""Convert a TAN-SIP chip WCS to TPV (the distortion convention SWarp reads), exactly.

SIP applies a polynomial to the pixel offsets (u, v) = (x - CRPIX1, y - CRPIX2) *before* the CD
matrix; TPV applies a polynomial to the intermediate coordinates (x', y') = CD·(u, v) *after* it.
Since CD is invertible, xi = CD·(u + f(u, v), v + g(u, v)) is a polynomial of the same degree in
(x', y'), so the conversion is exact: we fit it by least squares on a grid of pixel offsets
(no approximation beyond rounding) and check the result against astropy's SIP evaluation.

TPV term order (radial terms r, r^3, r^5, r^7 unused): PV1_k multiplies x'^i y'^j and PV2_k
multiplies y'^i x'^j (axes swapped), k running over total degree 0..7 with i descending.
Lookup-table distortions (NPOL, D2IM) have no TPV equivalent: the simulated and real visits used
here have none (their chips are TAN-SIP or plain TAN).
"""
from __future__ import annotations

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

__all__ = ["tpv_terms", "sip_to_tpv_header", "max_tpv_error_arcsec"]

_RADIAL = {3, 11, 23, 39}


def tpv_terms(max_degree: int = 7) -> list[tuple[int, int, int]]:
    """(k, i, j): PV?_k multiplies x^i y^j (for PV2: y^i x^j)."""
    out, k = [], 0
    for deg in range(max_degree + 1):
        for j in range(deg + 1):
            i = deg - j
            while k in _RADIAL:
                k += 1
            out.append((k, i, j))
            k += 1
    return out


def _sip_degree(header: fits.Header) -> int:
    return int(max(header.get("A_ORDER", 1), header.get("B_ORDER", 1)))


def sip_to_tpv_header(header: fits.Header, shape: tuple[int, int]) -> fits.Header:
    """WCS keywords (TPV) reproducing the SIP (or TAN) WCS of ``header`` over a ``shape`` chip."""
    wcs = WCS(header)
    ny, nx = shape
    deg = max(_sip_degree(header), 1) if wcs.sip is not None else 1
    if deg > 7:
        raise ValueError(f"SIP order {deg} > 7 cannot be written as TPV")
    crpix = wcs.wcs.crpix
    cd = wcs.wcs.cd if wcs.wcs.has_cd() else wcs.wcs.get_pc() * wcs.wcs.cdelt[:, None]
    # grid of pixel offsets spanning the chip (and a margin)
    gx, gy = np.meshgrid(np.linspace(-0.1 * nx, 1.1 * nx, 40), np.linspace(-0.1 * ny, 1.1 * ny, 40))
    px, py = gx.ravel() + 1.0, gy.ravel() + 1.0          # FITS 1-based pixels
    u, v = px - crpix[0], py - crpix[1]
    if wcs.sip is not None:
        # astropy returns the focal-plane offsets from CRPIX: (u + f(u, v), v + g(u, v))
        fu, fv = wcs.sip_pix2foc(np.column_stack([px, py]), 1).T
    else:
        fu, fv = u, v
    xi = cd[0, 0] * fu + cd[0, 1] * fv                 # degrees, intermediate world (distorted)
    eta = cd[1, 0] * fu + cd[1, 1] * fv
    xl = cd[0, 0] * u + cd[0, 1] * v                   # linear intermediate (what TPV takes)
    yl = cd[1, 0] * u + cd[1, 1] * v
    scale = max(np.abs(xl).max(), np.abs(yl).max())
    terms = [t for t in tpv_terms(7) if t[1] + t[2] <= deg]
    a1 = np.column_stack([(xl / scale) ** i * (yl / scale) ** j for _, i, j in terms])
    a2 = np.column_stack([(yl / scale) ** i * (xl / scale) ** j for _, i, j in terms])
    c1 = np.linalg.lstsq(a1, xi, rcond=None)[0]
    c2 = np.linalg.lstsq(a2, eta, rcond=None)[0]
    out = fits.Header()
    out["CTYPE1"], out["CTYPE2"] = "RA---TPV", "DEC--TPV"
    out["CUNIT1"], out["CUNIT2"] = "deg", "deg"
    out["CRVAL1"], out["CRVAL2"] = float(wcs.wcs.crval[0]), float(wcs.wcs.crval[1])
    out["CRPIX1"], out["CRPIX2"] = float(crpix[0]), float(crpix[1])
    out["CD1_1"], out["CD1_2"] = float(cd[0, 0]), float(cd[0, 1])
    out["CD2_1"], out["CD2_2"] = float(cd[1, 0]), float(cd[1, 1])
    out["RADESYS"] = "ICRS"
    out["EQUINOX"] = 2000.0
    for (k, i, j), a, b in zip(terms, c1, c2):
        out[f"PV1_{k}"] = float(a / scale ** (i + j))
        out[f"PV2_{k}"] = float(b / scale ** (i + j))
    return out


def max_tpv_error_arcsec(sip_header: fits.Header, tpv_header: fits.Header,
                         shape: tuple[int, int]) -> float:
    """Largest sky separation between the SIP and TPV WCSs over the chip, arcsec."""
    ny, nx = shape
    gx, gy = np.meshgrid(np.linspace(0, nx - 1, 25), np.linspace(0, ny - 1, 25))
    w0, w1 = WCS(sip_header), WCS(tpv_header)
    r0, d0 = w0.all_pix2world(gx.ravel(), gy.ravel(), 0)
    r1, d1 = w1.all_pix2world(gx.ravel(), gy.ravel(), 0)
    dra = (r1 - r0) * np.cos(np.deg2rad(d0))
    return float(np.hypot(dra, d1 - d0).max() * 3600)
