"""Builders: one per device kind, each turning what discovery found into models.

:mod:`.computer` (the machine, from DMI), :mod:`.pci` (PCI functions), :mod:`.hosts`
(Scsi_Hosts with their ``fc_host`` and vports), :mod:`.targets` (SCSI targets),
:mod:`.luns` (SCSI devices, the LUNs).
Each reads through the session it is given
(:class:`~nodedev_xml.sysfs.session.ReadSession`), one
:class:`~nodedev_xml.sysfs.session.DeviceScope` per device, and reads what the
:class:`~nodedev_xml.sysfs.policy.ReadPolicy` asks for.
"""
