"""Where hapsvm's configuration data lives: ``conf/``, ``svm_recipes/`` and ``schemas/``.

An installed wheel carries them inside the package (``hapsvm/conf``, ...); a checkout (and its
editable install) keeps them at the top of the repository, beside ``engine/``.
"""
from __future__ import annotations

import os
from pathlib import Path

from hapsvm.core import ProjectPaths

__all__ = ["DATA_ROOT", "USER_RECIPES_ENV", "data_root", "is_installed_copy", "project_paths"]

_PACKAGE_DIR = Path(__file__).resolve().parent
#: Environment variable naming another tree holding conf/, svm_recipes/ and schemas/.
ROOT_ENV = "HAPSVM_ROOT"
#: Environment variable naming a directory of the user's own recipes, searched first.
USER_RECIPES_ENV = "HAPSVM_RECIPES"


def data_root() -> Path:
    """The directory holding ``conf/``, ``svm_recipes/`` and ``schemas/``.

    ``HAPSVM_ROOT`` wins; then the installed package's own copy; then the checkout.
    """
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    if (_PACKAGE_DIR / "conf" / "config.yaml").is_file():
        return _PACKAGE_DIR
    return _PACKAGE_DIR.parent


def is_installed_copy() -> bool:
    """Whether the data comes from an installed package (not a checkout the user edits)."""
    return data_root() == _PACKAGE_DIR


#: The data root found at import time (``data_root()`` re-reads the environment).
DATA_ROOT = data_root()


def project_paths() -> ProjectPaths:
    """Paths of the config data, plus the user's recipe directory (``HAPSVM_RECIPES``)."""
    user = os.environ.get(USER_RECIPES_ENV)
    return ProjectPaths.from_root(data_root(), user_recipes=Path(user) if user else None)
