/** Benchmarks of the model runtime that print figures (never timed assertions). */
@NullMarked
package io.gcgserve.model.bench;

import org.jspecify.annotations.NullMarked;
