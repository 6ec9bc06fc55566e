/**
 * The access log: one JSON line per finished Caption request ({@link
 * io.gcgserve.server.accesslog.AccessLogEntry}), written off the request path.
 */
@NullMarked
package io.gcgserve.server.accesslog;

import org.jspecify.annotations.NullMarked;
