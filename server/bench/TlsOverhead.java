// Measures what TLS costs a gcg-serve client: connection setup (TCP + TLS + HTTP/2 + first
// ListPruners) on fresh channels, a ListPruners on a warm channel, and sequential captions on one
// warm channel. Run once against a plaintext server and once against a TLS one; see
// server/bench/tls-overhead.sh, which starts both in turn and prints the medians.
//
//   java -cp "$(cat clients/java/target/classpath.txt)" server/bench/TlsOverhead.java \
//       TARGET IMAGE N [CA.pem]
import com.google.protobuf.ByteString;
import io.gcgserve.client.CaptionStream;
import io.gcgserve.client.ChannelSecurity;
import io.gcgserve.client.GcgClient;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public class TlsOverhead {
  public static void main(String[] args) throws Exception {
    String target = args[0];
    byte[] image = Files.readAllBytes(Path.of(args[1]));
    int n = Integer.parseInt(args[2]);
    ChannelSecurity security =
        args.length > 3 ? ChannelSecurity.tls(Path.of(args[3])) : ChannelSecurity.plaintext();
    String mode = security.isTls() ? "tls" : "plaintext";
    Duration deadline = Duration.ofSeconds(60);
    List<Double> connect = new ArrayList<>();
    List<Double> warm = new ArrayList<>();
    for (int i = 0; i <= n; i++) {
      try (GcgClient client = GcgClient.connect(target, security)) {
        long start = System.nanoTime();
        client.listPruners(deadline);
        long first = System.nanoTime();
        client.listPruners(deadline);
        long second = System.nanoTime();
        if (i > 0) { // the first round warms the client JVM
          connect.add((first - start) / 1e6);
          warm.add((second - first) / 1e6);
        }
      }
      System.err.print(".");
    }
    CaptionRequest request =
        CaptionRequest.newBuilder()
            .setImage(ByteString.copyFrom(image))
            .setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(32))
            .build();
    List<Double> captions = new ArrayList<>();
    try (GcgClient client = GcgClient.connect(target, security)) {
      for (int i = 0; i <= n; i++) {
        long start = System.nanoTime();
        try (CaptionStream events = client.caption(request, deadline)) {
          events.forEachRemaining(event -> {});
        }
        if (i > 0) {
          captions.add((System.nanoTime() - start) / 1e6);
        }
        System.err.print("c");
      }
    }
    System.err.println();
    System.out.printf(
        "%s: connect+first call median %.2f ms, warm ListPruners median %.2f ms, caption median"
            + " %.1f ms (n=%d each)%n",
        mode, median(connect), median(warm), median(captions), n);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1
        ? sorted.get(middle)
        : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }
}
