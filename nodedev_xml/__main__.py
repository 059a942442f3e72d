"""``python -m nodedev_xml``: the same as the ``nodedev-xml`` command."""

import sys

from .cli import main

sys.exit(main())
