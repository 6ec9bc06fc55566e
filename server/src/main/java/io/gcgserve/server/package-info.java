/**
 * The gcg-serve server: {@link io.gcgserve.server.Main} parses flags, {@link
 * io.gcgserve.server.GcgServer} owns the gRPC server, health, metrics exporter and model lifecycle.
 * Each area is wired by its own Guice module in a subpackage.
 */
@NullMarked
package io.gcgserve.server;

import org.jspecify.annotations.NullMarked;
