/**
 * GLaMM's grounded conversation generation metrics, reimplemented: mask AP50 (COCO segm rules at
 * IoU 0.5), mIoU with greedy max-IoU pairing, grounded recall with a lexical phrase similarity,
 * CIDEr-D and METEOR with exact matching only.
 */
@NullMarked
package io.gcgserve.eval.metrics;

import org.jspecify.annotations.NullMarked;
