"""The config's detector section comes from the facts table; schema, conf and table agree."""
from __future__ import annotations

import json

import pytest

from hapsvm.errors import ConfigError
from hapsvm.paths import project_paths
from hapsvm.steps._detector_facts import DetectorSection
from hapsvm.visit.instruments import DETECTORS
from hapsvm.visit.instruments import INSTRUMENTS

PATHS = project_paths()


def test_detector_facts_schema_conf_and_table_agree() -> None:
    schema = json.loads((PATHS.schemas / "detector.schema.json").read_text())
    fields = set(DetectorSection.__dataclass_fields__)
    assert set(schema["properties"]) == set(schema["required"]) == fields
    assert sorted(schema["properties"]["name"]["enum"]) == sorted(DETECTORS)
    assert {p.stem for p in (PATHS.conf / "detector").glob("*.yaml")} == set(DETECTORS) | {"none"}
    instrument = json.loads((PATHS.schemas / "instrument.schema.json").read_text())
    assert sorted(instrument["properties"]["name"]["enum"]) == \
        sorted(i.lower() for i in INSTRUMENTS)
    assert {p.stem for p in (PATHS.conf / "instrument").glob("*.yaml")} == \
        {i.lower() for i in INSTRUMENTS} | {"none"}
    for key in DETECTORS:
        text = (PATHS.conf / "detector" / f"{key}.yaml").read_text()
        assert f"/hst_detector_{key}" in text, f"conf/detector/{key}.yaml must list its facts"


@pytest.mark.parametrize("detector", sorted(DETECTORS))
def test_detector_facts_feed_the_step_sections(compose_recipe, detector: str) -> None:
    facts = DETECTORS[detector]
    instrument = facts.instrument.lower()
    cfg = compose_recipe(instrument=instrument, detector=detector, nexp="n2")
    assert cfg.detector.name == detector
    assert cfg.detector.pixel_scale_arcsec == facts.pixel_scale_arcsec
    assert list(cfg.find_alignment_sources.saturation_dq_bits) == list(facts.saturation_dq_bits)
    assert cfg.drizzle_filter_products.header_rules == instrument
    assert cfg.drizzle_total_product.header_rules == instrument


def test_detector_facts_override_reaches_the_steps(compose_recipe) -> None:
    cfg = compose_recipe("detector.pixel_scale_arcsec=0.1", "detector.saturation_dq_bits=[256]",
                         instrument="wfc3", detector="wfc3_uvis", nexp="n2")
    assert cfg.define_output_grid.pixel_scale_arcsec == 0.1
    assert list(cfg.find_alignment_sources.saturation_dq_bits) == [256]


def test_detector_facts_unread_keys_are_refused(composer, compose_recipe) -> None:
    from hapsvm.core import registered_steps

    groups = {"instrument": "wfc3", "detector": "wfc3_ir", "nexp": "n2"}
    with pytest.raises(ConfigError, match="chip_shape"):
        compose_recipe("detector.chip_shape=[1,1]", **groups)
    cfg = compose_recipe("+detector.chip_shape=[1,1]", **groups)
    with pytest.raises(ConfigError, match="detector.*chip_shape"):
        composer.validate(cfg, [registered_steps()[s] for s in composer.recipe.steps])
