# Builds a random fixture and the expected AP50 / mIoU from pycocotools' COCOeval and GLaMM's
# pairing code, so that the Java metrics are checked against the reference implementation.
import json, random
import numpy as np
from pycocotools import mask as mu
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
import contextlib, io

random.seed(5)
H, W = 20, 24
def rect():
    x0, y0 = random.randrange(W - 2), random.randrange(H - 2)
    x1, y1 = random.randrange(x0 + 1, W), random.randrange(y0 + 1, H)
    m = np.zeros((H, W), dtype=np.uint8); m[y0:y1, x0:x1] = 1
    return m
def jitter(m):
    dy, dx = random.randint(-1, 1), random.randint(-1, 1)
    return np.roll(np.roll(m, dy, 0), dx, 1)
def rle(m):
    r = mu.encode(np.asfortranarray(m)); r['counts'] = r['counts'].decode(); return r

images, gt_anns, dt_anns, fixture = [], [], [], []
aid = 1
for i in range(1, 41):
    gts = [rect() for _ in range(random.randint(0, 5))]
    preds = []
    for g in gts:
        r = random.random()
        if r < 0.5: preds.append(jitter(g))
        elif r < 0.65: preds.append(g.copy()); preds.append(jitter(g))  # duplicate
        elif r < 0.8: preds.append(rect())
    for _ in range(random.randint(0, 2)): preds.append(rect())
    random.shuffle(preds)
    images.append({'id': i, 'height': H, 'width': W})
    for g in gts:
        gt_anns.append({'id': aid, 'image_id': i, 'category_id': 1, 'segmentation': rle(g),
                        'area': float(g.sum()), 'bbox': list(mu.toBbox(rle(g))), 'iscrowd': 0}); aid += 1
    for p in preds:
        dt_anns.append({'image_id': i, 'category_id': 1, 'segmentation': rle(p), 'score': 1.0})
    fixture.append({'gt': [rle(g)['counts'] for g in gts], 'dt': [rle(p)['counts'] for p in preds]})

coco = COCO(); coco.dataset = {'images': images, 'annotations': gt_anns, 'categories': [{'id': 1, 'name': 'x'}]}
with contextlib.redirect_stdout(io.StringIO()):
    coco.createIndex(); dt = coco.loadRes(dt_anns)
    e = COCOeval(coco, dt, 'segm'); e.params.catIds = [1]; e.evaluate(); e.accumulate(); e.summarize()

def iou(a, b):
    u = np.logical_or(a, b).sum()
    return np.logical_and(a, b).sum() / u if u else 0.0
def miou(preds, gts):
    M = np.zeros((len(preds), len(gts)))
    for a, p in enumerate(preds):
        for b, g in enumerate(gts): M[a, b] = iou(p, g)
    pairs = []
    while M.size > 0 and np.max(M) > 0:
        k = np.unravel_index(np.argmax(M), M.shape); pairs.append(M[k])
        M = np.delete(M, k[0], 0); M = np.delete(M, k[1], 1)
    return np.mean(pairs) if pairs else 0.0
ms = []
for i, f in enumerate(fixture):
    dec = lambda c: mu.decode({'size': [H, W], 'counts': c.encode()})
    ms.append(miou([dec(c) for c in f['dt']], [dec(c) for c in f['gt']]))
out = {'height': H, 'width': W, 'images': fixture, 'ap50': float(e.stats[1]), 'miou': float(np.mean(ms))}
json.dump(out, open('/work/main/eval/src/test/resources/io/gcgserve/eval/metrics/pycocotools-fixture.json', 'w'))
print(out['ap50'], out['miou'], len(dt_anns), len(gt_anns))
