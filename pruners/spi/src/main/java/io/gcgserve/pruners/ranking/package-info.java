/**
 * Shared pieces of the built-in pruners: keep budgets from keep_ratio/keep_tokens and top-k ranking
 * by attention.
 */
@NullMarked
package io.gcgserve.pruners.ranking;

import org.jspecify.annotations.NullMarked;
