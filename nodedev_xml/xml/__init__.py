"""Node-device XML: serialize models, parse documents, read untrusted input safely."""
