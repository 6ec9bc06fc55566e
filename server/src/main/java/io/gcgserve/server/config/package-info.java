/**
 * Server configuration: one plain class with defaults, bound once by {@link
 * io.gcgserve.server.config.ConfigModule}.
 */
@NullMarked
package io.gcgserve.server.config;

import org.jspecify.annotations.NullMarked;
