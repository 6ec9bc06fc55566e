/**
 * Prometheus metrics of the serving path ({@code gcg_} prefix, base units) and their HTTP exporter.
 */
@NullMarked
package io.gcgserve.server.metrics;

import org.jspecify.annotations.NullMarked;
