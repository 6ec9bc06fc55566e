/**
 * Server configuration: every setting declared once in {@link
 * io.gcgserve.server.config.ServerSettings} (flag, type, default, description, rule), the values in
 * {@link io.gcgserve.server.config.ServerConfig}, bound once by {@link
 * io.gcgserve.server.config.ConfigModule}.
 */
@NullMarked
package io.gcgserve.server.config;

import org.jspecify.annotations.NullMarked;
