#!/usr/bin/env python3
"""Stutters and early stops of a gcg-eval run, against gcg-data ground truth.

stutter: a predicted phrase in which a word comes twice.
early stop: an image whose caption names fewer objects (phrases other than the
background, i.e. with more than one word) than its scene holds.
Usage: eval/phrase-stats.py PREDICTIONS.jsonl ANNOTATIONS.json [CONFIGURATION_ID]
"""
import json, sys
preds, gt = sys.argv[1], sys.argv[2]
config = sys.argv[3] if len(sys.argv) > 3 else "none{}"
truth = {a["file_name"]: a for a in json.load(open(gt))}
phrases = stutters = images = early = missing_objects = ref_objects = 0
stutter_images = set()
for line in open(preds):
    r = json.loads(line)
    if r["configuration"] != config:
        continue
    images += 1
    named = 0
    for p in r["phrases"]:
        words = p["phrase"].split()
        phrases += 1
        if len(words) != len(set(words)):
            stutters += 1
            stutter_images.add(r["image"])
        if len(words) > 1:
            named += 1
    objects = sum(1 for k in truth[r["image"]]["groundings"] if len(k.split()) > 1)
    ref_objects += objects
    if named < objects:
        early += 1
        missing_objects += objects - named
print(f"{config}: {images} images, {phrases} phrases; stutters {stutters} phrases in "
      f"{len(stutter_images)} images; early stops {early} images "
      f"({missing_objects} of {ref_objects} objects unnamed)")
