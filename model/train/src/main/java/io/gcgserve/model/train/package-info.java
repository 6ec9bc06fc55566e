/**
 * Training the GCG model in DJL on synthetic grounded scenes: batching, GLaMM's losses (text
 * cross-entropy, mask BCE and Dice), our visual-word and region-word losses and the phrase glance's
 * mask loss, AdamW with warm-up and cosine decay, gradient clipping, checkpoints that resume
 * bit-for-bit, and export of an HF-style model directory. {@link io.gcgserve.model.train.Trainer}
 * orchestrates; each of those concerns has a class of its own.
 */
@NullMarked
package io.gcgserve.model.train;

import org.jspecify.annotations.NullMarked;
