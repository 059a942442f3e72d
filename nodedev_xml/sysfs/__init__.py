"""Reading Linux sysfs (the live ``/`` or a fake root) into node-device models."""
