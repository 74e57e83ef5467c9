"""The REST API of the emulated org (``/services/data/vXX.X/...``), one module per resource family."""
