"""The vHBA lifecycle: create and delete NPIV vHBAs (README, "vHBA lifecycle").

Above :mod:`nodedev_xml.sysfs` in the layer order, beside :mod:`nodedev_xml.api`.
"""

from .lifecycle import CreatedVHBA, create_vhba, delete_vhba
from .parent import find_parent, names_in_use, unusable
from .wwns import generate_wwns

__all__ = [
    "CreatedVHBA",
    "create_vhba",
    "delete_vhba",
    "find_parent",
    "generate_wwns",
    "names_in_use",
    "unusable",
]
