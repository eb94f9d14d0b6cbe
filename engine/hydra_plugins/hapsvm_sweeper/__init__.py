"""hapsvm's Hydra sweeper plugin (``hydra/sweeper=svm``): many visits with a light parent.

Installed as ``hydra_plugins.hapsvm_sweeper`` (Hydra discovers sweepers in the
``hydra_plugins`` namespace); its source lives in ``engine/hydra_plugins/``.
"""
