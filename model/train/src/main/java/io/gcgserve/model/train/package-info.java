/**
 * Training the GCG model in DJL on synthetic grounded scenes: batching, GLaMM's losses (text
 * cross-entropy, mask BCE and Dice), AdamW with warm-up and cosine decay, gradient clipping,
 * checkpoints that resume bit-for-bit, and export of an HF-style model directory.
 */
@NullMarked
package io.gcgserve.model.train;

import org.jspecify.annotations.NullMarked;
