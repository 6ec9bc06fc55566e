// Waits until a gRPC server's health (service "") reports STATUS, polling every 100 ms; prints
// the seconds it took. Run as a single-file program on the server's classpath (grpc-services):
//   java -cp "server/target/lib/*" k8s/smoke/HealthWait.java \
//     127.0.0.1:50081 SERVING 300
// Exit 0 when reached, 1 on timeout. grpcurl and grpc_health_probe are not on these machines.
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;

public final class HealthWait {
  public static void main(String[] args) throws InterruptedException {
    String target = args[0];
    ServingStatus wanted = ServingStatus.valueOf(args[1]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
    long start = System.nanoTime();
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    String last = "no answer";
    try {
      while (System.nanoTime() < deadline) {
        try {
          ServingStatus status =
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.newBuilder().setService("").build())
                  .getStatus();
          last = status.name();
          if (status == wanted) {
            System.out.printf("health %s after %.1f s of polling%n", status,
                (System.nanoTime() - start) / 1e9);
            return;
          }
        } catch (StatusRuntimeException e) {
          last = e.getStatus().getCode().name();
        }
        Thread.sleep(100);
      }
    } finally {
      channel.shutdownNow();
    }
    System.err.println("HealthWait: " + target + " not " + wanted + " in time; last: " + last);
    System.exit(1);
  }
}
