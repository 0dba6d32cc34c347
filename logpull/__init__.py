"""The composition root: the ``logpull`` command line, the demo and the API simulators.

It sits above the three layers and wires them together: ``shared`` (config, models, errors,
logging, AWS adapters) at the bottom, ``orchestrator`` and ``worker`` on it, never importing
each other, and never importing this package (tests/unit/test_layers.py checks it).
"""

import warnings

# google-api-core warns on stderr, once per process at import, that it stops (or has
# stopped) updating for the running Python: noise above the progress display and in every
# worker's log, which an operator can do nothing about at run time. The supported
# versions and their end dates are in the README ("Supported Python versions").
warnings.filterwarnings("ignore", category=FutureWarning, module=r"google\.api_core\._python_version_support")
