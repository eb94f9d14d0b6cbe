"""SVM file names (spec §3): filter-name derivation and every product's name."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["derive_filter_name", "VisitPrefix", "product_type_for"]


def derive_filter_name(filters: str) -> str:
    """Derive the SVM filter name from a ``;``-joined filter string (spec §3.1).

    Examples
    --------
    >>> derive_filter_name("F850LP;CLEAR2L")
    'f850lp'
    >>> derive_filter_name("CLEAR1L;CLEAR2L")
    'clear'
    >>> derive_filter_name("POL60V;F606W")
    'f606w-pol60v'
    >>> derive_filter_name("F140LP;N/A;F140LP")
    'f140lp'
    >>> derive_filter_name("F658N;F550M")
    'f658n-f550m'
    """
    names = [t.strip() for t in filters.lower().split(";")][:2]
    kept = [n for n in names if n and "clear" not in n and "n/a" not in n]
    if not kept:
        return "clear"
    if len(kept) == 2 and kept[0].startswith("pol"):
        kept = [kept[1], kept[0]]
    return "-".join(kept)


def product_type_for(suffix: str) -> str:
    """``drc`` for CTE-corrected (FLC) inputs, else ``drz``."""
    return "drc" if suffix == "flc" else "drz"


@dataclass(frozen=True)
class VisitPrefix:
    """The ``hst_<propid>_<obsetid>_<instr>_<det>_`` prefix of every SVM name of a detector.

    Examples
    --------
    >>> p = VisitPrefix(11665, "06", "wfc3", "uvis")
    >>> p.exposure("f555w", "ib4606c6q", "flc")
    'hst_11665_06_wfc3_uvis_f555w_ib4606c6_flc.fits'
    >>> p.filter_base("f555w", "ib4606c6q")
    'hst_11665_06_wfc3_uvis_f555w_ib4606'
    >>> p.total_base("ib4606c6q")
    'hst_11665_06_wfc3_uvis_total_ib4606'
    """

    proposal_id: int
    obset_id: str
    instrument: str
    detector: str

    @property
    def text(self) -> str:
        """The prefix itself."""
        return (f"hst_{self.proposal_id}_{self.obset_id}_{self.instrument.lower()}_"
                f"{self.detector.lower()}_")

    def exposure_base(self, filter_name: str, rootname: str) -> str:
        """``B<filter>_<ipppssoo>`` (rootname without its transmission character)."""
        return f"{self.text}{filter_name}_{rootname[:8].lower()}"

    def exposure(self, filter_name: str, rootname: str, suffix: str) -> str:
        """Renamed input copy ``B<filter>_<ipppssoo>_<fl?>.fits``."""
        return f"{self.exposure_base(filter_name, rootname)}_{suffix}.fits"

    def filter_base(self, filter_name: str, rootname: str) -> str:
        """``B<filter>_<ipppss>`` of a filter product."""
        return f"{self.text}{filter_name}_{rootname[:6].lower()}"

    def total_base(self, rootname: str) -> str:
        """``Btotal_<ipppss>`` of a total product."""
        return f"{self.text}total_{rootname[:6].lower()}"


def manifest_name(instrument: str, rootname: str) -> str:
    """``<instr>_<ppp>_<obsetid>_manifest.txt`` of a visit."""
    return f"{instrument.lower()}_{rootname[1:4].lower()}_{rootname[4:6].lower()}_manifest.txt"


__all__ += ["manifest_name"]
