"""The conformance runner: runs clients/conformance/scenarios.json against a server and prints
`python: N passed, N failed[, N pending]`. Exit 1 when any scenario failed.

    /usr/bin/python3 -m gcg_client.conformance --target HOST:PORT --metrics-url URL \
        --scenarios clients/conformance/scenarios.json [--reference java.json] [--record out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from typing import Any, Dict, List

from google.protobuf import json_format

from . import events, masks
from ._proto import pb
from .client import GcgClient, GcgError


class Failure(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failure(what)


def requests_with_status(metrics_url: str, status: str) -> float:
    """Sum of gcg_requests_total over every label set with this status."""
    with urllib.request.urlopen(metrics_url, timeout=10) as r:
        text = r.read().decode("utf-8")
    total = 0.0
    for line in text.splitlines():
        if line.startswith("gcg_requests_total{") and f'status="{status}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def request_of(scenario: Dict[str, Any], image: bytes):
    request = json_format.ParseDict(scenario.get("request", {}), pb.CaptionRequest())
    if "image_text" in scenario:
        request.image = scenario["image_text"].encode("utf-8")
    else:
        request.image = image
    return request


def observe_caption(client: GcgClient, request, deadline_s: float) -> Dict[str, Any]:
    """A caption's comparable observation: status, text, phrases with mask fingerprints."""
    call = client.caption(request, deadline_s)
    try:
        caption = call.collect()
    except GcgError as e:
        return {"status": e.code, "message": e.message}
    check(caption.started is not None, "no Started event")
    check(caption.finished is not None, "no Finished event")
    s, f = caption.started, caption.finished
    phrases = []
    for g in caption.phrases:
        pixels = g.mask.decode()
        check(list(pixels.shape) == g.mask.size, f"mask of {g.phrase!r}: decoded shape {pixels.shape}")
        check(masks.tight_bbox(pixels) == g.mask.bbox,
              f"mask of {g.phrase!r}: bbox {g.mask.bbox} but the decoded pixels span "
              f"{masks.tight_bbox(pixels)}")
        phrases.append({"phrase": g.phrase, "char_start": g.char_start, "char_end": g.char_end,
                        "bbox": g.mask.bbox, "area": int(pixels.sum()),
                        "pixels_sha256": masks.pixels_sha256(pixels)})
    return {
        "status": "OK", "pruner": s.pruner, "arm": s.arm,
        "visual_tokens_kept": s.visual_tokens_kept, "flops_ratio_ppm": round(s.flops_ratio * 1e6),
        "budget_kind": s.budget.kind if s.budget else "BUDGET_KIND_UNSPECIFIED",
        "started_budget_outcome": s.budget.outcome if s.budget else "BUDGET_OUTCOME_UNSPECIFIED",
        "caption": caption.text, "phrases": phrases, "finish_reason": f.finish_reason,
        "generated_tokens": f.generated_tokens, "finished_budget_outcome": f.budget_outcome,
    }


def run_caption(client, scenario, image, metrics_url) -> Dict[str, Any]:
    expect = scenario["expect"]
    obs = observe_caption(client, request_of(scenario, image), scenario["deadline_ms"] / 1000.0)
    check(obs["status"] == expect["status"],
          f"status {obs['status']} ({obs.get('message', '')}), expected {expect['status']}")
    if "message_contains" in expect:
        check(expect["message_contains"] in obs["message"],
              f"message {obs['message']!r} lacks {expect['message_contains']!r}")
    if "pruner" in expect:
        check(obs["pruner"] == expect["pruner"], f"pruner {obs['pruner']}")
    if "min_phrases" in expect:
        check(len(obs["phrases"]) >= expect["min_phrases"], f"{len(obs['phrases'])} phrases")
    if "budget_kind" in expect:
        check(obs["budget_kind"] == expect["budget_kind"], f"budget kind {obs['budget_kind']}")
        check(obs["started_budget_outcome"] == expect["started_budget_outcome"],
              f"Started.budget.outcome {obs['started_budget_outcome']}")
        check(obs["flops_ratio_ppm"] <= expect["max_flops_ratio"] * 1e6,
              f"FLOPs ratio {obs['flops_ratio_ppm'] / 1e6} over the budget")
        check(obs["finished_budget_outcome"] == expect["finished_budget_outcome"],
              f"Finished.budget_outcome {obs['finished_budget_outcome']}")
    return obs


def run_list_pruners(client, scenario, image, metrics_url) -> Dict[str, Any]:
    try:
        pruners = client.list_pruners(scenario["deadline_ms"] / 1000.0)
    except GcgError as e:
        raise Failure(f"ListPruners failed: {e}")
    obs = {"status": "OK", "pruners": [
        {"name": d.name, "built_in": d.built_in, "parameters": [q.name for q in d.parameters]}
        for d in pruners]}
    names = [d["name"] for d in obs["pruners"]]
    for name in scenario["expect"]["includes"]:
        check(name in names, f"ListPruners lacks {name}: {names}")
    return obs


def run_cancel(client, scenario, image, metrics_url) -> Dict[str, Any]:
    expect = scenario["expect"]
    before = requests_with_status(metrics_url, expect["server_status"])
    call = client.caption(request_of(scenario, image), scenario["deadline_ms"] / 1000.0)
    status = "OK"
    try:
        for event in call:
            if isinstance(event, events.GroundedPhrase):
                call.cancel()
            check(not isinstance(event, events.Finished), "the stream finished before a phrase")
    except GcgError as e:
        status = e.code
    check(status == expect["status"], f"client status {status}, expected {expect['status']}")
    seen = before
    for _ in range(100):
        seen = requests_with_status(metrics_url, expect["server_status"])
        if seen > before:
            break
        time.sleep(0.1)
    check(seen > before, f"the server did not count a {expect['server_status']} request "
                         f"(gcg_requests_total stayed at {before})")
    return {"status": status}


def run_arms(client, scenario, image, metrics_url) -> Dict[str, Any]:
    expect = scenario["expect"]
    arms = {}
    for key in scenario["subject_keys"]:
        request = request_of(scenario, image)
        request.subject_key = key
        call = client.caption(request, scenario["deadline_ms"] / 1000.0)
        try:
            caption = call.collect()
            headers = call.headers()
        except GcgError as e:
            raise Failure(f"subject {key}: {e}")
        s = caption.started
        check(s is not None, f"subject {key}: no Started")
        check(s.arm in expect["arms"], f"subject {key}: arm {s.arm!r} not in {expect['arms']}")
        check(headers.get("gcg-arm") == s.arm,
              f"subject {key}: header gcg-arm {headers.get('gcg-arm')!r}, Started.arm {s.arm!r}")
        check(s.experiment == expect["experiment"], f"subject {key}: experiment {s.experiment!r}")
        check(s.assignment == expect["assignment"], f"subject {key}: assignment {s.assignment}")
        arms[key] = s.arm
    return {"status": "OK", "arms": arms}


def first_difference(ours, ref, path: str):
    """The path and values of the first difference between two JSON values, or None."""
    if isinstance(ours, dict) and isinstance(ref, dict):
        for key in sorted(set(ours) | set(ref)):
            where = first_difference(ours.get(key), ref.get(key), f"{path}.{key}")
            if where:
                return where
        return None
    if isinstance(ours, list) and isinstance(ref, list) and len(ours) == len(ref):
        for i, (a, b) in enumerate(zip(ours, ref)):
            where = first_difference(a, b, f"{path}[{i}]")
            if where:
                return where
        return None
    if ours == ref:
        return None
    return f"{path}: ours {json.dumps(ours)[:300]}, reference {json.dumps(ref)[:300]}"


RUNNERS = {"caption": run_caption, "list_pruners": run_list_pruners,
           "cancel_after_first_phrase": run_cancel, "arms": run_arms}


def main(argv: List[str] = None) -> int:
    p = argparse.ArgumentParser(prog="gcg-conformance-py")
    p.add_argument("--target", required=True)
    p.add_argument("--metrics-url", required=True)
    p.add_argument("--scenarios", required=True)
    p.add_argument("--reference", help="observations of the reference client to match")
    p.add_argument("--record", help="write this client's observations here")
    args = p.parse_args(argv)
    with open(args.scenarios, encoding="utf-8") as f:
        spec = json.load(f)
    with open(os.path.join(os.path.dirname(args.scenarios), spec["image"]), "rb") as f:
        image = f.read()
    reference = {}
    if args.reference:
        with open(args.reference, encoding="utf-8") as f:
            reference = json.load(f)
    passed = failed = pending = 0
    observations = {}
    started = time.monotonic()
    with GcgClient(args.target) as client:
        for scenario in spec["scenarios"]:
            name = scenario["name"]
            t0 = time.monotonic()
            try:
                obs = RUNNERS[scenario["kind"]](client, scenario, image, args.metrics_url)
                observations[name] = obs
                if scenario.get("compare") and args.reference:
                    check(name in reference, "the reference client recorded no observation")
                    where = first_difference(obs, reference[name], name)
                    check(where is None, f"differs from the reference client at {where}")
                ms = (time.monotonic() - t0) * 1000
                if scenario.get("pending"):
                    print(f"PASS    {name} ({ms:.0f} ms); it is marked pending: drop the flag")
                else:
                    print(f"PASS    {name} ({ms:.0f} ms)")
                passed += 1
            except Exception as e:  # a client bug is a failure of the scenario, not a crash
                what = str(e) if isinstance(e, Failure) else f"{type(e).__name__}: {e}"
                if scenario.get("pending"):
                    print(f"PENDING {name}: {scenario['pending']} (observed: {what})")
                    pending += 1
                else:
                    print(f"FAIL    {name}: {what}")
                    failed += 1
    if args.record:
        with open(args.record, "w", encoding="utf-8") as f:
            json.dump(observations, f, indent=1, sort_keys=True)
    summary = f"python: {passed} passed, {failed} failed"
    if pending:
        summary += f", {pending} pending"
    print(f"{summary} ({time.monotonic() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
