/** Benchmarks of the serving path that print figures (never timed assertions). */
@NullMarked
package io.gcgserve.server.bench;

import org.jspecify.annotations.NullMarked;
