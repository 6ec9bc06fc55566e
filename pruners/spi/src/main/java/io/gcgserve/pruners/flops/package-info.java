/**
 * FLOPs accounting after the paper's Eq. 5 (FastV's estimate), per schedule and predicted from a
 * plan.
 */
@NullMarked
package io.gcgserve.pruners.flops;

import org.jspecify.annotations.NullMarked;
