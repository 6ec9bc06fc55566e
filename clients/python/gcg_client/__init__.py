"""Python client for gcg-serve: grounded captions streamed as typed events, masks as numpy arrays.

    from gcg_client import GcgClient, caption_request
    with GcgClient("localhost:50051") as client:
        for event in client.caption(caption_request(open("scene.png", "rb").read(), pruner="altp",
                                                    keep_ratio=0.25), deadline_s=60):
            print(event)
"""

from .client import CaptionCall, GcgClient, GcgError, budget, caption_request
from .events import (BudgetDecision, Caption, Finished, GroundedPhrase, Mask, Started, TextDelta,
                     Timings)

__all__ = ["BudgetDecision", "Caption", "CaptionCall", "Finished", "GcgClient", "GcgError",
           "GroundedPhrase", "Mask", "Started", "TextDelta", "Timings", "budget", "caption_request"]
