/**
 * The gRPC front door: the GroundedCaption service, admission to the bounded generation executor,
 * streaming with backpressure, and the single mapping from exceptions to statuses.
 */
@NullMarked
package io.gcgserve.server.grpc;

import org.jspecify.annotations.NullMarked;
