"""The vHBA lifecycle: create and delete NPIV vHBAs (README, "vHBA lifecycle").

Above :mod:`nodedev_xml.sysfs` in the layer order, beside :mod:`nodedev_xml.api`.
"""

from .lifecycle import CreatedVHBA, Orphan, cleanup, create_vhba, delete_vhba, orphans
from .parent import find_parent, names_in_use, unusable
from .wwns import generate_wwns

__all__ = [
    "CreatedVHBA",
    "Orphan",
    "cleanup",
    "create_vhba",
    "delete_vhba",
    "find_parent",
    "generate_wwns",
    "names_in_use",
    "orphans",
    "unusable",
]
