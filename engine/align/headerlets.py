"""Headerlets of an aligned exposure (stwcs): the ``_hlet.fits`` file and the HDRLET extension."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from stwcs.wcsutil import headerlet

from hapsvm.align.fitting import quiet_loggers

__all__ = ["HeaderletInfo", "headerlet_name", "make_headerlet"]



@dataclass(frozen=True)
class HeaderletInfo:
    """What the headerlet's primary header records about the fit (spec §5.5)."""

    catalog: str
    fit_method: str
    n_matches: int
    fit_rms_mas: float
    rms_ra_mas: float
    rms_dec_mas: float
    history: tuple[str, ...] = ()


def headerlet_name(copy_name: str, wcsname: str) -> str:
    """``HDRNAME``: ``<copy file without .fits>_<WCSNAME>-hlet.fits``.

    Examples
    --------
    >>> headerlet_name("hst_1_01_wfc3_ir_f098m_ib6o21qn_flt.fits", "OPUS-FIT_SVM_GAIAeDR3")
    'hst_1_01_wfc3_ir_f098m_ib6o21qn_flt_OPUS-FIT_SVM_GAIAeDR3-hlet.fits'
    """
    stem = copy_name[:-5] if copy_name.endswith(".fits") else copy_name
    return f"{stem}_{wcsname}-hlet.fits"


def make_headerlet(hdul: fits.HDUList, *, hdrname: str, info: HeaderletInfo,
                   attach: bool = True) -> bytes:
    """Build the headerlet of the primary WCS of an open exposure; optionally attach it.

    Parameters
    ----------
    hdul
        The exposure (already carrying its new WCS), open for update if ``attach``.
    hdrname
        ``HDRNAME`` of the headerlet.
    info
        Fit description for the headerlet's primary header.
    attach
        Append it as a ``HDRLET`` extension unless one with this ``HDRNAME`` is attached.

    Returns
    -------
    bytes
        The headerlet as a FITS file (for ``B<filter>_<ipppssoo>_hlet.fits``).
    """
    with warnings.catch_warnings(), quiet_loggers("stwcs"):
        warnings.simplefilter("ignore", AstropyWarning)
        hlet = headerlet.create_headerlet(
            hdul, sciext="SCI", hdrname=hdrname, author="hapsvm",
            descrip=f"SVM alignment to {info.catalog or 'no catalogue'}",
            catalog=info.catalog or "N/A", nmatch=int(info.n_matches), logging=False)
        prim = hlet[0].header
        # stwcs stamps the wall-clock time; the exposure's own date keeps reruns byte-identical
        stamp = hdul[0].header.get("DATE") or hdul[0].header.get("DATE-OBS")
        if stamp:
            prim["DATE"] = (str(stamp), "Date FITS file was generated")
        prim["RMS_RA"] = (info.rms_ra_mas, "RMS in RA of the fit (mas)")
        prim["RMS_DEC"] = (info.rms_dec_mas, "RMS in Dec of the fit (mas)")
        prim["NMATCH"] = (int(info.n_matches), "Number of sources used in the fit")
        prim["CATALOG"] = (info.catalog or "N/A", "Astrometric catalog of the fit")
        prim["FITMETH"] = (info.fit_method, "Fitting method")
        prim["FIT_RMS"] = (info.fit_rms_mas, "RMS of the fit (mas)")
        for line in info.history:
            prim.add_history(line)
        _trim_comments(prim)
        buffer = io.BytesIO()
        hlet.writeto(buffer)
        attached = [h.header.get("HDRNAME") for h in hdul if h.name == "HDRLET"]
        if attach and hdrname not in attached:
            hlet.attach_to_file(hdul)
            _trim_comments(hdul[-1].header)
    return buffer.getvalue()


def _trim_comments(header: fits.Header) -> None:
    """Drop the comment of string cards too long to hold it (avoids astropy's truncation
    warning on write; stwcs writes long ``HDRNAME`` values with comments)."""
    for card in header.cards:
        if isinstance(card.value, str) and card.comment and \
                len(card.keyword) + len(card.value) + len(card.comment) > 66:
            header.comments[card.keyword] = ""
