"""gcg-caption for Python: the flags of bin/gcg-caption (clients/java/README.md), plus experiment
and budget flags. Exit codes: 0 ok, 1 non-retryable server error, 2 bad usage, 3 a local file,
4 retryable (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from google.protobuf import json_format

from . import events
from .client import GcgClient, GcgError, budget, caption_request, read_token

RETRYABLE = {"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gcg-caption-py", description="Caption one image with gcg-serve.")
    p.add_argument("--target", default="localhost:50051", help="server host:port")
    p.add_argument("--tls", action="store_true", help="use TLS with the system's root CAs")
    p.add_argument("--tls-ca", metavar="FILE", help="use TLS, trusting these CA certificates (PEM)")
    p.add_argument("--tls-cert", metavar="FILE", help="mutual TLS: client certificate chain (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="mutual TLS: the client's private key (PEM)")
    p.add_argument("--token-file", metavar="FILE", help="send the bearer token in FILE (needs TLS)")
    p.add_argument("--image", help="PNG or JPEG image to caption")
    p.add_argument("--prompt", default="", help="prompt; default: the model's GCG prompt")
    p.add_argument("--pruner", default="", help="pruner name (see --list-pruners); default none")
    p.add_argument("--keep-ratio", type=float, help="fraction of visual tokens kept")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="pruner parameter")
    p.add_argument("--max-new-tokens", type=int, default=0, help="token limit (0 = server default)")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    p.add_argument("--deadline-ms", type=int, help="deadline for the whole call, in ms")
    p.add_argument("--json", action="store_true", help="one JSON object per event (protobuf JSON)")
    p.add_argument("--overlay", metavar="OUT.png", help="write the image with masks drawn")
    p.add_argument("--list-pruners", action="store_true", help="list the server's pruners and exit")
    p.add_argument("--experiment", default="", help="A/B experiment whose arm picks the pruner")
    p.add_argument("--subject-key", default="", help="stable key hashed to pick the arm")
    p.add_argument("--budget-flops-ratio", type=float, help="budget: max prefill FLOPs ratio")
    p.add_argument("--budget-visual-tokens", type=int, help="budget: max visual tokens kept")
    p.add_argument("--budget-ttft-ms", type=float, help="budget: max time to first token")
    p.add_argument("--reject-on-miss", action="store_true", help="budget: refuse when it cannot be met")
    return p


def _fail(error: GcgError) -> int:
    print(f"gcg-caption: {error.code}: {error.message}", file=sys.stderr)
    return 4 if error.code in RETRYABLE else 1


def main(argv: Optional[List[str]] = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    deadline = args.deadline_ms / 1000.0 if args.deadline_ms else None
    try:
        token = read_token(args.token_file) if args.token_file else None
        client = GcgClient(args.target, tls=args.tls, tls_ca=args.tls_ca, tls_cert=args.tls_cert,
                           tls_key=args.tls_key, token=token)
    except (OSError, ValueError) as e:
        print(f"gcg-caption: {e}", file=sys.stderr)
        return 2
    with client:
        if args.list_pruners:
            try:
                for d in client.list_pruners(deadline):
                    kind = "built-in" if d.built_in else "plugin"
                    print(f"{d.name} ({kind}): {d.description}")
                    for q in d.parameters:
                        print(f"  {q.name} {q.type} default={q.default_value or '-'} {q.allowed}")
            except GcgError as e:
                return _fail(e)
            return 0
        if not args.image:
            p.print_usage(sys.stderr)
            print("gcg-caption: --image is required (or --list-pruners)", file=sys.stderr)
            return 2
        params = {}
        for entry in args.param:
            if "=" not in entry:
                print(f"gcg-caption: --param {entry!r} is not k=v", file=sys.stderr)
                return 2
            key, value = entry.split("=", 1)
            params[key] = value
        limits = [args.budget_flops_ratio, args.budget_visual_tokens, args.budget_ttft_ms]
        try:
            b = None
            if any(v is not None for v in limits):
                b = budget(max_flops_ratio=args.budget_flops_ratio,
                           max_visual_tokens=args.budget_visual_tokens,
                           max_ttft_ms=args.budget_ttft_ms, reject_on_miss=args.reject_on_miss)
            try:
                with open(args.image, "rb") as f:
                    image = f.read()
            except OSError as e:
                print(f"gcg-caption: cannot read {args.image}: {e.strerror}", file=sys.stderr)
                return 3
            request = caption_request(
                image, prompt=args.prompt, pruner=args.pruner, keep_ratio=args.keep_ratio,
                params=params, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                seed=args.seed, experiment=args.experiment, subject_key=args.subject_key, budget=b)
        except ValueError as e:
            print(f"gcg-caption: {e}", file=sys.stderr)
            return 2
        phrases = []
        try:
            call = client.caption(request, deadline)
            for message in call.messages():
                event = events.from_proto(message)
                if args.json:
                    print(json.dumps(json_format.MessageToDict(message), separators=(",", ":")))
                if isinstance(event, events.GroundedPhrase):
                    phrases.append(event)
                if args.json:
                    continue
                if isinstance(event, events.Started):
                    arm = f", arm {event.arm}" if event.experiment else ""
                    print(f"pruner {event.pruner}{arm}: {event.visual_tokens_kept}/"
                          f"{event.visual_tokens_total} visual tokens, FLOPs ratio "
                          f"{event.flops_ratio:.3f}", file=sys.stderr)
                elif isinstance(event, events.TextDelta):
                    print(event.text, end="", flush=True)
                elif isinstance(event, events.Finished):
                    print()
                    for g in phrases:
                        area = int(g.mask.decode().sum())
                        print(f"{g.phrase!r:32} [{g.char_start},{g.char_end}) bbox={g.mask.bbox} "
                              f"area={area} score={g.mask.score:.3f}")
                    t = event.timings
                    print(f"{event.finish_reason}: {event.generated_tokens} tokens, TTFT "
                          f"{t.ttft_ms:.1f} ms, total {t.total_ms:.1f} ms", file=sys.stderr)
        except GcgError as e:
            return _fail(e)
        if args.overlay:
            from .overlay import render
            try:
                render(image, phrases).save(args.overlay)
            except OSError as e:
                print(f"gcg-caption: cannot write {args.overlay}: {e}", file=sys.stderr)
                return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
