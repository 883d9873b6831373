"""The ``therabill`` command: a thin shell over the library (no billing logic here)."""
