/**
 * What the tools that measure a real server share: {@link io.gcgserve.harness.ServerProcess} starts
 * {@code bin/gcg-serve} as a child process and reads its figures, and {@link
 * io.gcgserve.harness.PrometheusText} parses its {@code /metrics}.
 */
@NullMarked
package io.gcgserve.harness;

import org.jspecify.annotations.NullMarked;
