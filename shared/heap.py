"""Keep the cyclic garbage collector off what start-up built."""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Move every object alive now (AWS clients and their service models, the API's
    discovery document, settings) out of the collector's reach. Parsing one page makes
    tens of thousands of containers, so collections run often, and each full one would
    walk all of start-up again: about a quarter of a worker's CPU on full pages.
    Call it once set-up is done, and again once the first task built its API client."""
    gc.collect()
    gc.freeze()
