"""Loaded at start-up by every Python process whose PYTHONPATH names this folder (the
suite puts it there when LOGPULL_TEST_CLOCK_SHIFT is set): moves its wall clock."""

import logpull_timeshift  # noqa: F401  (applies the shift once per process)
