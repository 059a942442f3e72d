"""Reading Linux sysfs (the live ``/`` or a fake root) into node-device models.

The data flow, one module a step::

    access.FileAccess ─▶ source.SysfsSource ─▶ discovery ─▶ builders.{pci,hosts,targets} ─▶ models
                               (Source)          (Topology)    read through session.ReadSession,
                                                               what policy.ReadPolicy asks for

:mod:`.pipeline` runs it (``scan_devices``, ``list_names``); :mod:`.values` holds
the converters from attribute text to typed values, :mod:`.pciids` the vendor and
product names, and :mod:`.writer` the one way to write to the kernel.
"""
