"""Reading Linux sysfs (the live ``/`` or a fake root) into node-device models.

The data flow, one module a step::

    access.FileAccess ─▶ source.SysfsSource ─▶ discovery ─▶ builders.{computer,pci,hosts,
                               (Source)          (Topology)    targets,luns} ─▶ models
                                                               read through session.ReadSession,
                                                               what policy.ReadPolicy asks for

:mod:`.scan` is the one entry point (``scan``, ``list_names``, the watch's
``rescan``); :mod:`.pipeline` runs the steps in order; :mod:`.values` holds
the converters from attribute text to typed values, :mod:`.pciids` the vendor and
product names, and :mod:`.writer` the one way to write to the kernel.
"""
