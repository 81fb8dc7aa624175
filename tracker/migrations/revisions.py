"""Access from one migration to the SQL constants and helpers of an earlier one, so that a later revision (or its
downgrade, which restores the earlier triggers) builds on them instead of repeating their SQL."""
import importlib.util
from pathlib import Path
from types import ModuleType

VERSIONS = Path(__file__).with_name("versions")


def revision_module(filename: str) -> ModuleType:
    """The migration file versions/<filename>, loaded as a module."""
    path = VERSIONS / filename
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
