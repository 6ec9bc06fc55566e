package io.gcgserve.server;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@code HealthProbe [--tls-ca FILE [--tls-cert FILE --tls-key FILE] [--authority NAME]]
 * [HOST:]PORT}: one gRPC health check of service {@code ""}, for an exec probe where the kubelet's
 * native gRPC probe cannot reach the server (a sidecar bound to 127.0.0.1: the kubelet probes the
 * pod's IP) or cannot speak TLS to it. With {@code --tls-ca} it speaks TLS, trusting those CAs;
 * {@code --tls-cert}/{@code --tls-key} add a client certificate for a server that requires one
 * ({@code --tls-client-auth require}); {@code --authority} names the host the server certificate
 * must be for when that is not the target's host (e.g. the Service's DNS name). Health needs no
 * bearer token. Exit 0 when SERVING, 1 otherwise (the status or the error goes to stderr), 2 on bad
 * arguments. It answers within 2 s.
 */
public final class HealthProbe {

  private static final String USAGE =
      "usage: HealthProbe [--tls-ca FILE [--tls-cert FILE --tls-key FILE] [--authority NAME]]"
          + " [HOST:]PORT";

  private HealthProbe() {}

  /** Checks once and exits. */
  public static void main(String[] args) throws InterruptedException {
    System.exit(check(args, System.err));
  }

  /** Checks once; the exit status. */
  static int check(String[] args, PrintStream err) throws InterruptedException {
    String ca = null;
    String cert = null;
    String key = null;
    String authority = null;
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.startsWith("--") && i + 1 >= args.length) {
        err.println(arg + " needs a value; " + USAGE);
        return 2;
      }
      switch (arg) {
        case "--tls-ca" -> ca = args[++i];
        case "--tls-cert" -> cert = args[++i];
        case "--tls-key" -> key = args[++i];
        case "--authority" -> authority = args[++i];
        default -> positional.add(arg);
      }
    }
    if (positional.size() != 1
        || positional.get(0).startsWith("--")
        || (cert == null) != (key == null)
        || (ca == null && (cert != null || authority != null))) {
      err.println(USAGE);
      return 2;
    }
    String target =
        positional.get(0).contains(":") ? positional.get(0) : "127.0.0.1:" + positional.get(0);
    ChannelCredentials credentials;
    try {
      credentials = credentials(ca, cert, key);
    } catch (IOException | IllegalArgumentException e) {
      err.println("gcg-serve health: cannot read the TLS files: " + e.getMessage());
      return 2;
    }
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target, credentials);
    if (authority != null) {
      builder.overrideAuthority(authority);
    }
    ManagedChannel channel = builder.build();
    try {
      ServingStatus status =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus();
      if (status != ServingStatus.SERVING) {
        err.println("gcg-serve health at " + target + ": " + status);
        return 1;
      }
      return 0;
    } catch (StatusRuntimeException e) {
      err.println("gcg-serve health at " + target + ": " + e.getStatus());
      return 1;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(1, TimeUnit.SECONDS);
    }
  }

  private static ChannelCredentials credentials(
      @Nullable String ca, @Nullable String cert, @Nullable String key) throws IOException {
    if (ca == null) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder tls =
        TlsChannelCredentials.newBuilder().trustManager(new File(ca));
    if (cert != null && key != null) {
      tls.keyManager(new File(cert), new File(key));
    }
    return tls.build();
  }
}
