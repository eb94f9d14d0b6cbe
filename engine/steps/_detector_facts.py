"""The ``detector`` config section, filled from the facts table (not a step).

``hapsvm.visit.instruments`` is the one home of the detector facts. The facts a config value
needs are stored in Hydra's ConfigStore as ``hst_detector_<key>``, which
``conf/detector/<key>.yaml`` lists in its defaults: a detector unit's config then shows them
(``--cfg job``, every product's recipe file) and step sections interpolate them
(``find_alignment_sources.saturation_dq_bits: ${detector.saturation_dq_bits}``).
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from hydra.core.config_store import ConfigStore

from hapsvm.visit.instruments import DETECTORS
from hapsvm.visit.instruments import DetectorFacts

__all__ = ["DetectorSection", "store_detector_facts"]


@dataclass
class DetectorSection:
    """The ``detector`` section of a detector unit's config (schemas/detector.schema.json)."""

    name: str = ""
    """Detector key (``wfc3_ir``), the ``detector`` group chosen for the unit."""
    pixel_scale_arcsec: float = 0.0
    """Native pixel scale (IDCSCALE), arcsec."""
    saturation_dq_bits: list[int] = field(default_factory=list)
    """DQ bits that mark saturated pixels (256 full well; 2048 A/D saturation on the CCDs)."""

    @classmethod
    def of(cls, facts: DetectorFacts) -> DetectorSection:
        """The section of one detector's facts."""
        return cls(name=facts.key, pixel_scale_arcsec=facts.pixel_scale_arcsec,
                   saturation_dq_bits=list(facts.saturation_dq_bits))


def store_detector_facts() -> None:
    """Store ``hst_detector_<key>`` (package ``detector``) for every detector of the table."""
    store = ConfigStore.instance()
    for key, facts in DETECTORS.items():
        store.store(name=f"hst_detector_{key}", node=DetectorSection.of(facts), package="detector")
