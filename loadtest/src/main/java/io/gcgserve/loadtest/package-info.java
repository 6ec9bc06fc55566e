/**
 * {@code gcg-loadtest}: open- and closed-loop load tests of the {@code Caption} stream, timed per
 * stream (TTFT, time to first mask, every inter-token gap, end to end) from the intended and from
 * the actual send, with goodput under SLOs, a capacity search, quality under load and reports.
 */
@NullMarked
package io.gcgserve.loadtest;

import org.jspecify.annotations.NullMarked;
