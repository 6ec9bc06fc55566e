"""The gcg-serve client: captions as an iterator of typed events, and the pruner list."""

from __future__ import annotations

from typing import Dict, Iterator, List, Mapping, Optional

import grpc

from . import events
from ._proto import pb, pb_grpc

BUILT_IN_KEEP_RATIO = ("fastv", "pdrop", "altp")
MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024


class GcgError(Exception):
    """A call ended with a gRPC status other than OK: `code` is its name, `message` the server's."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @staticmethod
    def from_rpc(error: grpc.RpcError) -> "GcgError":
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        return GcgError(code.name, details or "")


def budget(*, max_flops_ratio: Optional[float] = None, max_visual_tokens: Optional[int] = None,
           max_ttft_ms: Optional[float] = None, reject_on_miss: bool = False):
    """A Budget message with exactly one limit."""
    given = [v is not None for v in (max_flops_ratio, max_visual_tokens, max_ttft_ms)]
    if sum(given) != 1:
        raise ValueError("a budget takes exactly one of max_flops_ratio, max_visual_tokens, max_ttft_ms")
    b = pb.Budget(on_miss=pb.Budget.ON_MISS_REJECT if reject_on_miss else pb.Budget.ON_MISS_BEST_EFFORT)
    if max_flops_ratio is not None:
        b.max_flops_ratio = max_flops_ratio
    elif max_visual_tokens is not None:
        b.max_visual_tokens = max_visual_tokens
    else:
        b.max_ttft_ms = max_ttft_ms
    return b


def caption_request(image: bytes, *, prompt: str = "", pruner: str = "",
                    keep_ratio: Optional[float] = None, params: Optional[Mapping[str, str]] = None,
                    max_new_tokens: int = 0, temperature: float = 0.0, top_p: float = 0.0,
                    seed: int = 0, experiment: str = "", subject_key: str = "",
                    budget=None, png_masks: bool = False):
    """Builds a CaptionRequest. `keep_ratio` fills the typed field of a built-in pruner and the
    `keep_ratio` param of a plugin; giving it also in `params` is a ValueError."""
    params = dict(params or {})
    request = pb.CaptionRequest(image=image, prompt=prompt, experiment=experiment,
                                subject_key=subject_key)
    if pruner or params or keep_ratio is not None:
        request.pruner.name = pruner
    if keep_ratio is not None:
        if "keep_ratio" in params:
            raise ValueError("give keep_ratio once: as keep_ratio or in params, not both")
        if pruner in BUILT_IN_KEEP_RATIO:
            getattr(request.pruner, pruner).keep_ratio = keep_ratio
        else:
            params["keep_ratio"] = repr(keep_ratio)
    for key, value in params.items():
        request.pruner.params[key] = value
    request.generation.max_new_tokens = max_new_tokens
    request.generation.temperature = temperature
    request.generation.top_p = top_p
    request.generation.seed = seed
    if budget is not None:
        request.budget.CopyFrom(budget)
    if png_masks:
        request.mask_format = pb.MASK_FORMAT_PNG
    return request


class CaptionCall:
    """A running caption: iterate for typed events; `cancel()` stops it (the server sees
    CANCELLED); `headers()` gives the response headers (gcg-request-id, gcg-arm, ...). A failed
    call raises GcgError from the iteration."""

    def __init__(self, call):
        self._call = call

    def __iter__(self) -> Iterator[events.Event]:
        for message in self.messages():
            event = events.from_proto(message)
            if event is not None:
                yield event

    def messages(self) -> Iterator:
        """The raw CaptionEvent messages, for callers that want the protobuf objects."""
        try:
            yield from self._call
        except grpc.RpcError as e:
            raise GcgError.from_rpc(e) from None

    def headers(self) -> Dict[str, str]:
        """The response headers; waits for them."""
        try:
            return {k: v for k, v in (self._call.initial_metadata() or ()) if isinstance(v, str)}
        except grpc.RpcError as e:
            raise GcgError.from_rpc(e) from None

    def cancel(self) -> None:
        self._call.cancel()

    def collect(self) -> events.Caption:
        """Reads the whole stream into a Caption."""
        result = events.Caption()
        for event in self:
            if isinstance(event, events.Started):
                result.started = event
            elif isinstance(event, events.TextDelta):
                result.text += event.text
            elif isinstance(event, events.GroundedPhrase):
                result.phrases.append(event)
            elif isinstance(event, events.Finished):
                result.finished = event
        return result


def read_token(path: str) -> str:
    """The first line of `path` neither blank nor a # comment (the server's --auth-tokens format)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            token = line.strip()
            if token and not token.startswith("#"):
                return token
    raise ValueError(f"{path}: holds no token (the first line not blank nor # comment)")


def _secure_channel(target, options, tls_ca, tls_cert, tls_key, token):
    def read(path):
        if path is None:
            return None
        with open(path, "rb") as f:
            return f.read()

    if (tls_cert is None) != (tls_key is None):
        raise ValueError("--tls-cert and --tls-key go together")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(tls_ca), private_key=read(tls_key), certificate_chain=read(tls_cert))
    if token is not None:
        credentials = grpc.composite_channel_credentials(
            credentials, grpc.access_token_call_credentials(token))
    return grpc.secure_channel(target, credentials, options=options)


class GcgClient:
    """Connects to `target` (host:port): in plaintext, or over TLS when `tls_ca` (a PEM CA file;
    `tls=True` for the system roots) is given, with a client certificate (`tls_cert`, `tls_key`)
    for mutual TLS and a bearer `token` (TLS only: gRPC Python sends call credentials over secure
    channels alone). Use as a context manager or call close()."""

    def __init__(self, target: str, channel: Optional[grpc.Channel] = None, *,
                 tls: bool = False, tls_ca: Optional[str] = None, tls_cert: Optional[str] = None,
                 tls_key: Optional[str] = None, token: Optional[str] = None):
        self._owned = channel is None
        options = [("grpc.max_receive_message_length", MAX_INBOUND_MESSAGE_BYTES)]
        if channel is None and (tls or tls_ca or tls_cert or token is not None):
            if token is not None and not (tls or tls_ca or tls_cert):
                raise ValueError("a bearer token needs TLS: give tls_ca (--tls-ca) or tls=True (--tls)")
            channel = _secure_channel(target, options, tls_ca, tls_cert, tls_key, token)
        self._channel = channel or grpc.insecure_channel(target, options=options)
        self._stub = pb_grpc.GroundedCaptionStub(self._channel)

    def caption(self, request, deadline_s: Optional[float] = None) -> CaptionCall:
        """Starts a caption; `deadline_s` bounds the whole call (None: no deadline)."""
        return CaptionCall(self._stub.Caption(request, timeout=deadline_s))

    def list_pruners(self, deadline_s: Optional[float] = None) -> List:
        """The server's pruners (PrunerDescription messages, sorted by name)."""
        try:
            return list(self._stub.ListPruners(pb.ListPrunersRequest(), timeout=deadline_s).pruners)
        except grpc.RpcError as e:
            raise GcgError.from_rpc(e) from None

    def list_experiments(self, deadline_s: Optional[float] = None):
        """The experiments in force (a ListExperimentsResponse)."""
        try:
            return self._stub.ListExperiments(pb.ListExperimentsRequest(), timeout=deadline_s)
        except grpc.RpcError as e:
            raise GcgError.from_rpc(e) from None

    def close(self) -> None:
        if self._owned:
            self._channel.close()

    def __enter__(self) -> "GcgClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
