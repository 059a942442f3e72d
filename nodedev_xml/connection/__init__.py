"""A libvirt connection as a source: read, enrich and manage vHBAs on any host a
libvirt URI reaches, and migrate a guest's vHBA pool between two hosts.

Above :mod:`nodedev_xml.vhba` and :mod:`nodedev_xml.xml` in the layer order,
below :mod:`nodedev_xml.api` (which routes ``scan(connect=...)`` here).  The only
package that imports libvirt-python, lazily (:mod:`.session`).

- :mod:`.session`: open a URI, libvirt's errors as one line each;
- :mod:`.inventory`: the node devices as an Inventory, enriched from the links;
- :mod:`.fields`: which fields each source gives;
- :mod:`.vhbas`: vHBAs made and removed through ``nodeDeviceCreateXML``/``destroy``;
- :mod:`.pools`: persistent vHBAs as ``scsi`` pools with an ``fc_host`` adapter;
- :mod:`.luns`: the LUNs a vHBA sees, for comparing two hosts;
- :mod:`.migrate`: a vHBA pool moved from one host to another;
- :mod:`.signals`: libvirt's node-device lifecycle events, for the watch.
"""
