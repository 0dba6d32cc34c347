"""The composition root: the ``logpull`` command line, the demo and the API simulators.

It sits above the three layers and wires them together: ``shared`` (config, models, errors,
logging, AWS adapters) at the bottom, ``orchestrator`` and ``worker`` on it, never importing
each other, and never importing this package (tests/unit/test_layers.py checks it).
"""
