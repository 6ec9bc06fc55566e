"""Typed caption events, decoded from the protobuf messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Union

import numpy as np

from . import masks
from ._proto import pb


@dataclass(frozen=True)
class BudgetDecision:
    """What a budget chose (Started.budget)."""

    kind: str
    limit: float
    keep_ratio: float
    predicted_ttft_ms: float
    predicted_queue_ms: float
    outcome: str
    reason: str


@dataclass(frozen=True)
class Started:
    """Sent once, after prefill: what the pruner did."""

    pruner: str
    arm: str
    experiment: str
    assignment: str
    request_id: str
    visual_tokens_total: int
    visual_tokens_kept: int
    visual_tokens_per_layer: List[int]
    flops_ratio: float
    prompt_tokens: int
    budget: Optional[BudgetDecision]


@dataclass(frozen=True)
class TextDelta:
    """One generated token's text."""

    text: str
    index: int


@dataclass(frozen=True)
class Mask:
    """A phrase's mask: COCO RLE, size [height, width], bbox [x, y, w, h], score.

    ``empty`` is true when the model found no region for the phrase (no foreground pixel; bbox
    and score are then 0): "no object found", not an error.
    """

    rle_counts: str
    size: List[int]
    bbox: List[int]
    score: float
    png: Optional[bytes] = None
    empty: bool = False

    def decode(self) -> np.ndarray:
        """The pixels as a (height, width) bool array."""
        return masks.decode(self.rle_counts, self.size)


@dataclass(frozen=True)
class GroundedPhrase:
    """A grounded phrase and its mask, right after the token that closes its [SEG]."""

    phrase: str
    char_start: int
    char_end: int
    mask: Mask


@dataclass(frozen=True)
class Timings:
    queue_wait_ms: float
    prefill_ms: float
    decode_ms: float
    total_ms: float
    ttft_ms: float


@dataclass(frozen=True)
class Finished:
    """Sent once, last, when generation ended normally."""

    finish_reason: str
    generated_tokens: int
    timings: Timings
    budget_outcome: str


Event = Union[Started, TextDelta, GroundedPhrase, Finished]


def _enum(enum_type, value: int) -> str:
    return enum_type.Name(value) if value in enum_type.values() else str(value)


def from_proto(event) -> Optional[Event]:
    """Converts a CaptionEvent; None for an event this client does not know."""
    which = event.WhichOneof("event")
    if which == "started":
        s = event.started
        budget = None
        if s.HasField("budget"):
            b = s.budget
            budget = BudgetDecision(
                _enum(pb.BudgetKind, b.kind), b.limit, b.keep_ratio, b.predicted_ttft_ms,
                b.predicted_queue_ms, _enum(pb.BudgetOutcome, b.outcome), b.reason)
        return Started(
            s.pruner, s.arm, s.experiment, _enum(pb.Assignment, s.assignment), s.request_id,
            s.visual_tokens_total, s.visual_tokens_kept, list(s.visual_tokens_per_layer),
            s.flops_ratio, s.prompt_tokens, budget)
    if which == "text_delta":
        return TextDelta(event.text_delta.text, event.text_delta.index)
    if which == "grounded_phrase":
        g = event.grounded_phrase
        m = g.mask
        mask = Mask(m.rle_counts, list(m.size), list(m.bbox), m.score,
                    m.png if m.HasField("png") else None, m.empty)
        return GroundedPhrase(g.phrase, g.char_start, g.char_end, mask)
    if which == "finished":
        f = event.finished
        t = f.timings
        return Finished(
            _enum(pb.FinishReason, f.finish_reason), f.generated_tokens,
            Timings(t.queue_wait_ms, t.prefill_ms, t.decode_ms, t.total_ms, t.ttft_ms),
            _enum(pb.BudgetOutcome, f.budget_outcome))
    return None


@dataclass
class Caption:
    """A whole caption, collected from its events."""

    started: Optional[Started] = None
    text: str = ""
    phrases: List[GroundedPhrase] = field(default_factory=list)
    finished: Optional[Finished] = None
