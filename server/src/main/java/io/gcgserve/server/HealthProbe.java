package io.gcgserve.server;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * {@code HealthProbe [HOST:]PORT}: one gRPC health check of service {@code ""}, for an exec probe
 * where the kubelet's native gRPC probe cannot reach the server (a sidecar bound to 127.0.0.1: the
 * kubelet probes the pod's IP). Exit 0 when SERVING, 1 otherwise (the status or the error goes to
 * stderr), 2 on bad arguments. It answers within 2 s.
 */
public final class HealthProbe {

  private HealthProbe() {}

  /** Checks once and exits. */
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 1) {
      System.err.println("usage: HealthProbe [HOST:]PORT");
      System.exit(2);
    }
    String target = args[0].contains(":") ? args[0] : "127.0.0.1:" + args[0];
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    int exit;
    try {
      ServingStatus status =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus();
      exit = status == ServingStatus.SERVING ? 0 : 1;
      if (exit != 0) {
        System.err.println("gcg-serve health at " + target + ": " + status);
      }
    } catch (StatusRuntimeException e) {
      System.err.println("gcg-serve health at " + target + ": " + e.getStatus());
      exit = 1;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(1, TimeUnit.SECONDS);
    }
    System.exit(exit);
  }
}
