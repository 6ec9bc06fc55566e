/**
 * Synthetic grounded scenes: textured backgrounds and many objects of many sizes, captioned in GCG
 * form with one exact mask per phrase, deterministic from a seed. Small detailed objects are common
 * so that local visual detail matters, as it does in GranDf.
 */
@NullMarked
package io.gcgserve.model.data;

import org.jspecify.annotations.NullMarked;
