/**
 * Java client for gcg-serve: {@link io.gcgserve.client.GcgClient} (blocking iterator and async
 * listener over {@code gcg.v1.GroundedCaption}), mask decoding and overlay rendering, and the
 * {@code gcg-caption} command line ({@link io.gcgserve.client.CaptionCli}).
 */
@NullMarked
package io.gcgserve.client;

import org.jspecify.annotations.NullMarked;
