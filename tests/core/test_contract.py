"""Contract tests: registry, conf/step, schemas and recipes agree; layering is respected."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from hapsvm.core import registered_steps
from hapsvm.core.schema_files import step_schema_text
from hapsvm.paths import project_paths
from tests.core.test_layers import NEUTRAL
from tests.repo import REPO_ROOT

PATHS = project_paths()
CORE_ALLOWED = {"hydra", "omegaconf", "jsonschema", "yaml", "hapsvm"}
ASTRONOMY = {"astropy", "photutils", "drizzle", "tweakwcs", "stwcs", "numpy", "scipy"}
DOMAINS = ["visit", "simulate", "align", "mosaic", "catalogs", "preview"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_registry_conf_and_schemas_agree() -> None:
    steps = registered_steps()
    conf_files = {p.stem for p in (PATHS.conf / "step").glob("*.yaml")}
    schema_files = {p.name.removesuffix(".schema.json")
                    for p in (PATHS.schemas / "step").glob("*.schema.json")}
    assert conf_files == set(steps), "conf/step/*.yaml must match the registered steps"
    assert schema_files == set(steps), "schemas/step must match the registry (svm-schemas)"
    for name in steps:
        assert (PATHS.schemas / "step" / f"{name}.schema.json").read_text() == \
            step_schema_text(name), f"schemas/step/{name}.schema.json is stale: run svm-schemas"
        first = (PATHS.conf / "step" / f"{name}.yaml").read_text().splitlines()[0]
        assert first == f"# @package {name}", f"conf/step/{name}.yaml must start with the header"


def test_the_step_order_is_written_once_in_the_base_recipe() -> None:
    """conf/ lists no steps (the registry's /steps node does); only base recipes order them."""
    cfg = yaml.safe_load((PATHS.conf / "config.yaml").read_text())
    assert not [d for d in cfg["defaults"] if isinstance(d, dict) and "step" in d]
    from hydra.core.config_store import ConfigStore

    from hapsvm.core import store_step_configs

    store_step_configs()
    node = ConfigStore.instance().load("steps.yaml").node
    assert sorted(node.defaults[0]["step"]) == sorted(registered_steps())
    for path in PATHS.recipes.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        base = "/steps" in data["defaults"]
        assert base == ("steps" in data["recipe"]), f"{path.name}: steps belong to base recipes"


def test_recipe_pins_beat_detector_files_and_lose_to_the_command_line() -> None:
    from hapsvm.core import Recipe
    from hapsvm.core import RecipeComposer

    tuned = next(p.stem for p in PATHS.recipes.glob("v1-tuned-*.yaml"))
    composer = RecipeComposer(PATHS, Recipe.load(tuned, PATHS))
    pinned = composer.recipe.pinned["find_alignment_sources"]["kernel_fwhm_px"]
    groups = {"instrument": "wfc3", "detector": "wfc3_ir", "nexp": "n4"}
    detector_value = RecipeComposer(PATHS, Recipe.load("v1", PATHS)).compose(
        groups, ["input=x"]).find_alignment_sources.kernel_fwhm_px
    assert detector_value != pinned                     # conf/detector/wfc3_ir.yaml sets it
    assert composer.compose(groups, ["input=x"]).find_alignment_sources.kernel_fwhm_px == pinned
    cli = composer.compose(groups, ["input=x", "find_alignment_sources.kernel_fwhm_px=2.5"])
    assert cli.find_alignment_sources.kernel_fwhm_px == 2.5
    assert composer.recipe.steps == Recipe.load("v1", PATHS).steps   # inherited from v1


@pytest.mark.parametrize("body", [
    "hydra: {callbacks: {x: {_target_: os.getcwd}}}",
    "filter_exposures: {reject: {_target_: os.getcwd}}",
    "filter_exposures: {a: [{b: {_partial_: true}}]}",
])
def test_recipe_files_are_data(tmp_path: Path, body: str) -> None:
    from hapsvm.core import Recipe
    from hapsvm.errors import ConfigError

    path = tmp_path / "bad.yaml"
    path.write_text("defaults: [v1, _self_]\nrecipe: {name: bad, version: '1'}\n" + body + "\n")
    with pytest.raises(ConfigError, match="recipe bad.yaml"):
        Recipe.load(str(path), PATHS)


@pytest.mark.parametrize("recipe", sorted(p.stem for p in PATHS.recipes.glob("*.yaml")))
def test_every_recipe_composes_and_validates_for_every_detector(recipe: str) -> None:
    from hapsvm.core import Recipe
    from hapsvm.core import RecipeComposer

    composer = RecipeComposer(PATHS, Recipe.load(recipe, PATHS))
    text = (PATHS.recipes / f"{recipe}.yaml").read_text()
    assert "_target_" not in text
    specs = [registered_steps()[s] for s in composer.recipe.steps]
    instruments = {"acs_wfc": "acs", "acs_hrc": "acs", "acs_sbc": "acs", "wfc3_uvis": "wfc3",
                   "wfc3_ir": "wfc3"}
    for det, inst in instruments.items():
        for nexp in ("n1", "n2", "n4", "n6"):
            cfg = composer.compose({"instrument": inst, "detector": det, "nexp": nexp},
                                   ["input=x"])
            composer.validate(cfg, specs)
            assert "step" not in cfg, "a conf/step file lost its @package header"
            assert cfg.detector.name == det and cfg.nexp.name == nexp


def test_core_imports_no_astronomy() -> None:
    for path in sorted((REPO_ROOT / "engine" / "core").glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top not in ASTRONOMY, f"{path.name} imports {name}"
            if top not in CORE_ALLOWED:
                import sys
                assert top in sys.stdlib_module_names, f"{path.name} imports {name}"
            if top == "hapsvm":
                # the core may use the neutral modules (no astronomy, no engine) and itself
                assert name.startswith(("hapsvm.core", *(f"hapsvm.{n}" for n in NEUTRAL))), \
                    f"{path.name}: {name}"


def test_domain_packages_import_no_engine_machinery() -> None:
    for domain in DOMAINS:
        for path in sorted((REPO_ROOT / "engine" / domain).rglob("*.py")):
            for name in _imports(path):
                top = name.split(".")[0]
                assert top not in {"hydra", "omegaconf"}, f"{path} imports {name}"
                assert not name.startswith(("hapsvm.core", "hapsvm.steps", "hapsvm.cli")), \
                    f"{path} imports {name}"


def test_errors_module_imports_nothing() -> None:
    names = _imports(REPO_ROOT / "engine" / "errors.py")
    assert names <= {"__future__"}


def test_bounds_module_imports_only_the_standard_library() -> None:
    import sys

    names = _imports(REPO_ROOT / "engine" / "bounds.py")
    assert all(n.split(".")[0] in sys.stdlib_module_names for n in names), names


def test_schemas_are_valid_json_schema() -> None:
    import jsonschema

    for path in PATHS.schemas.rglob("*.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))
