package io.gcgserve.client.conformance;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.client.GcgClient;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@code clients/conformance/scenarios.json} with the Java client against a running server and
 * prints one line per scenario and {@code java: N passed, N failed[, N pending]}. With {@code
 * --record FILE} it writes its observations, which the other clients must then match.
 *
 * <pre>
 * java -cp ... io.gcgserve.client.conformance.ConformanceRunner --target HOST:PORT
 *     --metrics-url URL --scenarios clients/conformance/scenarios.json [--record out.json]
 * </pre>
 *
 * Exit 0 when no scenario failed, 1 when one did, 2 on bad usage.
 */
public final class ConformanceRunner {

  private final PrintStream out;

  ConformanceRunner(PrintStream out) {
    this.out = out;
  }

  /** Entry point; see the class comment. */
  public static void main(String[] args) throws Exception {
    System.exit(new ConformanceRunner(System.out).run(args));
  }

  int run(String[] args) throws IOException, InterruptedException {
    String target = null;
    String metricsUrl = null;
    String scenarios = null;
    String record = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--target" -> target = args[i + 1];
        case "--metrics-url" -> metricsUrl = args[i + 1];
        case "--scenarios" -> scenarios = args[i + 1];
        case "--record" -> record = args[i + 1];
        default -> {
          return usage("unknown option " + args[i]);
        }
      }
    }
    if (target == null || metricsUrl == null || scenarios == null || args.length % 2 != 0) {
      return usage("--target, --metrics-url and --scenarios are required");
    }
    Path file = Path.of(scenarios);
    JsonObject spec = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    byte[] image =
        Files.readAllBytes(file.toAbsolutePath().resolveSibling(spec.get("image").getAsString()));
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target)
            .usePlaintext()
            .maxInboundMessageSize(GcgClient.MAX_INBOUND_MESSAGE_BYTES)
            .build();
    HeaderCapture headers = new HeaderCapture();
    try (GcgClient client = new GcgClient(ClientInterceptors.intercept(channel, headers))) {
      Scenarios runners = new Scenarios(client, headers, image, metricsUrl);
      return runAll(runners, spec, record == null ? null : Path.of(record));
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private int runAll(Scenarios runners, JsonObject spec, @Nullable Path record) throws IOException {
    long started = System.nanoTime();
    int passed = 0;
    int failed = 0;
    int pending = 0;
    JsonObject observations = new JsonObject();
    List<JsonObject> list = new ArrayList<>();
    spec.getAsJsonArray("scenarios").forEach(s -> list.add(s.getAsJsonObject()));
    for (JsonObject scenario : list) {
      String name = scenario.get("name").getAsString();
      String pendingReason = scenario.has("pending") ? scenario.get("pending").getAsString() : null;
      long t0 = System.nanoTime();
      try {
        JsonObject observation = runners.run(scenario);
        observations.add(name, observation);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        out.printf(
            Locale.ROOT,
            "PASS    %s (%d ms)%s%n",
            name,
            ms,
            pendingReason == null ? "" : "; it is marked pending: drop the flag");
        passed++;
      } catch (Scenarios.Failure | RuntimeException e) {
        String what =
            e instanceof Scenarios.Failure
                ? e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (pendingReason != null) {
          out.printf(Locale.ROOT, "PENDING %s: %s (observed: %s)%n", name, pendingReason, what);
          pending++;
        } else {
          out.printf(Locale.ROOT, "FAIL    %s: %s%n", name, what);
          failed++;
        }
      }
    }
    if (record != null) {
      Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
      Files.writeString(record, gson.toJson(observations), StandardCharsets.UTF_8);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    out.printf(
        Locale.ROOT,
        "java: %d passed, %d failed%s (%.1f s)%n",
        passed,
        failed,
        pending > 0 ? ", " + pending + " pending" : "",
        seconds);
    out.flush();
    return failed > 0 ? 1 : 0;
  }

  private int usage(String problem) {
    out.println("gcg-conformance: " + problem);
    out.println(
        "usage: ConformanceRunner --target HOST:PORT --metrics-url URL --scenarios FILE"
            + " [--record OUT.json]");
    return 2;
  }
}
