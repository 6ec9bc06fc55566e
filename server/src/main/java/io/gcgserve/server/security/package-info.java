/**
 * Transport security of the gRPC port: TLS and mutual TLS with certificates re-read without a
 * restart, bearer tokens checked in constant time, the HTTP/2 and connection limits, and the bearer
 * check of {@code /metrics}.
 */
@NullMarked
package io.gcgserve.server.security;

import org.jspecify.annotations.NullMarked;
