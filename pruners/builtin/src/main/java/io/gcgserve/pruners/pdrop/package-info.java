/**
 * PyramidDrop: staged pruning at fractions of the LLM depth, keeping lambda of the survivors at
 * each stage.
 */
@NullMarked
package io.gcgserve.pruners.pdrop;

import org.jspecify.annotations.NullMarked;
