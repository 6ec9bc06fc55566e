package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.data.GranDfWriter;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.proto.v1.TextDelta;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gcg-ab drive} against a test double of an experiment-serving GroundedCaption server. */
class AbDriveCommandTest {

  private static final int IMAGES = 3;

  @TempDir static Path split;

  private static List<String> imageHashes = List.of();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final FakeExperimentServer service = new FakeExperimentServer();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void writeSplit() throws IOException {
    SceneGenerator scenes = new SceneGenerator(3, 64);
    try (GranDfWriter writer = new GranDfWriter(split)) {
      for (int i = 0; i < IMAGES; i++) {
        writer.add(GranDfWriter.fileName(Split.VAL, i), scenes.generate(Split.VAL, i));
      }
    }
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      hashes.add(
          sha256(
              Files.readAllBytes(split.resolve("images/" + GranDfWriter.fileName(Split.VAL, i)))));
    }
    imageHashes = List.copyOf(hashes);
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    service.close();
  }

  @Test
  void sendsEveryRequestWithTheExperimentTheFileBytesAndThePlannedKeys() throws Exception {
    AbDriveSummary summary =
        drive("--requests", "20", "--concurrency", "3", "--subjects", "10", "--seed", "4");

    AbDrivePlan plan = AbDrivePlan.create(20, IMAGES, 10, 4);
    assertThat(service.received).hasSize(20);
    assertThat(service.received).allSatisfy(r -> assertThat(r.experiment()).isEqualTo("exp"));
    assertThat(sorted(service.received.stream().map(Received::image).toList()))
        .isEqualTo(sorted(plan.requests().stream().map(p -> imageHashes.get(p.image())).toList()));
    assertThat(sorted(service.received.stream().map(Received::subjectKey).toList()))
        .isEqualTo(sorted(plan.requests().stream().map(p -> p.subjectKey()).toList()));
    Map<String, Integer> expected = new TreeMap<>();
    plan.requests().forEach(p -> expected.merge(armOf(p.subjectKey()), 1, Integer::sum));
    assertThat(armCounts(summary)).isEqualTo(expected);
    assertThat(summary.ok()).isEqualTo(20);
    assertThat(stdout()).contains("experiment exp: 20 requests, 20 OK, 0 failed");
    for (Map.Entry<String, Integer> arm : expected.entrySet()) {
      assertThat(stdout()).containsPattern(arm.getKey() + "\\s+" + arm.getValue() + "\\s+");
    }
    assertThat(stderr()).contains("drive: 20/20 done, 0 errors");
  }

  @Test
  void neverOpensMoreStreamsThanTheConcurrency() throws Exception {
    service.holdUntilQuiet = true;

    drive("--requests", "12", "--concurrency", "4");

    assertThat(service.received).hasSize(12);
    // the double answers only after 300 ms without a new call, so every stream the driver opens
    // at once is open together on the server
    assertThat(service.maxOpen.get()).isEqualTo(4);
  }

  @Test
  void theSameSeedSendsTheSameImageAndSubjectSequence() throws Exception {
    drive("--requests", "15", "--concurrency", "1", "--seed", "5");
    List<Received> first = List.copyOf(service.received);
    service.received.clear();
    drive("--requests", "15", "--concurrency", "1", "--seed", "5");
    List<Received> second = List.copyOf(service.received);
    service.received.clear();
    drive("--requests", "15", "--concurrency", "1", "--seed", "6");
    List<Received> other = List.copyOf(service.received);

    assertThat(second).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    AbDrivePlan plan = AbDrivePlan.create(15, IMAGES, 100, 5);
    assertThat(first.stream().map(Received::subjectKey).toList())
        .isEqualTo(plan.requests().stream().map(p -> p.subjectKey()).toList());
    assertThat(first.stream().map(Received::image).toList())
        .isEqualTo(plan.requests().stream().map(p -> imageHashes.get(p.image())).toList());
  }

  @Test
  void zeroSubjectsSendsNoKey() throws Exception {
    AbDriveSummary summary = drive("--requests", "6", "--subjects", "0");

    assertThat(service.received).hasSize(6).allSatisfy(r -> assertThat(r.subjectKey()).isNull());
    assertThat(armCounts(summary)).isEqualTo(Map.of("random", 6));
  }

  @Test
  void countsFailuresByStatusUnderTheirArm() throws Exception {
    service.failure =
        request ->
            subjectNumber(request.getSubjectKey()) % 3 == 0
                ? Status.RESOURCE_EXHAUSTED.withDescription("queue full")
                : null;

    AbDriveSummary summary = drive("--requests", "30", "--subjects", "10", "--seed", "2");

    AbDrivePlan plan = AbDrivePlan.create(30, IMAGES, 10, 2);
    Map<String, Integer> expectedFailures = new TreeMap<>();
    plan.requests().stream()
        .filter(p -> subjectNumber(p.subjectKey()) % 3 == 0)
        .forEach(p -> expectedFailures.merge(armOf(p.subjectKey()), 1, Integer::sum));
    int failed = expectedFailures.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(failed).isPositive();
    assertThat(summary.ok()).isEqualTo(30 - failed);
    assertThat(summary.errors()).isEqualTo(Map.of("RESOURCE_EXHAUSTED", failed));
    for (AbDriveSummary.Arm arm : summary.arms()) {
      int armFailed = expectedFailures.getOrDefault(arm.name(), 0);
      assertThat(arm.requests() - arm.ok()).as(arm.name()).isEqualTo(armFailed);
      if (armFailed > 0) {
        assertThat(arm.errors()).isEqualTo(Map.of("RESOURCE_EXHAUSTED", armFailed));
      }
    }
    assertThat(stdout()).contains(failed + " failed (RESOURCE_EXHAUSTED=" + failed + ")");
    assertThat(stderr()).contains("drive: 30/30 done, " + failed + " errors");
  }

  @Test
  void readsTheArmFromTheHeaderWhenStartedCarriesNone() throws Exception {
    service.sendStartedArm = false;

    AbDriveSummary summary = drive("--requests", "10", "--subjects", "4", "--seed", "3");

    Map<String, Integer> expected = new TreeMap<>();
    AbDrivePlan.create(10, IMAGES, 4, 3)
        .requests()
        .forEach(p -> expected.merge(armOf(p.subjectKey()), 1, Integer::sum));
    assertThat(armCounts(summary)).isEqualTo(expected);
    assertThat(stdout()).contains("Started.arm in 0, by the gcg-arm header in 10");
  }

  @Test
  void exitsNonZeroOverTcpWhenEveryRequestFails() throws Exception {
    service.failure = request -> Status.UNIMPLEMENTED.withDescription("experiment is reserved");
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(ServerInterceptors.intercept(service, service.armHeader()))
            .build()
            .start();
    servers.add(server);

    int code = execute("--target", "localhost:" + server.getPort(), "--requests", "5");

    assertThat(code).isEqualTo(AbDriveCommand.ALL_FAILED);
    assertThat(service.received).hasSize(5);
    assertThat(stdout()).contains("5 requests, 0 OK, 5 failed (UNIMPLEMENTED=5)");
    assertThat(stderr()).contains("every request failed; the first with UNIMPLEMENTED");
  }

  @Test
  void exitsZeroOverTcpWhenSomeRequestsSucceed() throws Exception {
    service.failure =
        request -> subjectNumber(request.getSubjectKey()) % 2 == 0 ? Status.INTERNAL : null;
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(ServerInterceptors.intercept(service, service.armHeader()))
            .build()
            .start();
    servers.add(server);

    int code = execute("--target", "localhost:" + server.getPort(), "--requests", "8");

    assertThat(code).isZero();
    assertThat(stdout()).contains("control").contains("INTERNAL=");
  }

  @Test
  void rejectsOptionsOutOfRange() {
    assertThat(execute("--target", "localhost:1", "--requests", "0")).isEqualTo(2);
    assertThat(stderr()).contains("--requests must be at least 1, got 0");
    assertThat(execute("--target", "localhost", "--requests", "1")).isEqualTo(2);
    assertThat(stderr()).contains("--target must be HOST:PORT");
    assertThat(execute("--target", "localhost:1", "--concurrency", "0")).isEqualTo(2);
    assertThat(execute("--target", "localhost:1", "--subjects", "-1")).isEqualTo(2);
    assertThat(service.received).isEmpty();
  }

  private int execute(String... args) {
    List<String> all =
        new ArrayList<>(List.of("--images", split.toString(), "--experiment", "exp"));
    all.addAll(List.of(args));
    return new CommandLine(command()).execute(all.toArray(String[]::new));
  }

  private AbDriveSummary drive(String... args) throws Exception {
    if (servers.isEmpty()) {
      String name = InProcessServerBuilder.generateName();
      servers.add(
          InProcessServerBuilder.forName(name)
              .addService(ServerInterceptors.intercept(service, service.armHeader()))
              .executor(Executors.newCachedThreadPool())
              .build()
              .start());
      channels.add(InProcessChannelBuilder.forName(name).build());
    }
    AbDriveCommand command = command();
    List<String> all =
        new ArrayList<>(
            List.of("--target", "in-process:1", "--images", split.toString(), "--experiment"));
    all.add("exp");
    all.addAll(List.of(args));
    new CommandLine(command).parseArgs(all.toArray(String[]::new));
    return command.drive(channels.get(0));
  }

  private AbDriveCommand command() {
    return new AbDriveCommand(
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static Map<String, Integer> armCounts(AbDriveSummary summary) {
    Map<String, Integer> counts = new TreeMap<>();
    summary.arms().forEach(arm -> counts.put(arm.name(), arm.requests()));
    return counts;
  }

  private static List<String> sorted(List<@Nullable String> values) {
    List<String> copy = new ArrayList<>();
    values.forEach(value -> copy.add(String.valueOf(value)));
    Collections.sort(copy);
    return copy;
  }

  private static int subjectNumber(@Nullable String key) {
    return key == null || key.isEmpty()
        ? -1
        : Integer.parseInt(key.substring(AbDrivePlan.SUBJECT_PREFIX.length()));
  }

  /** The double's assignment: no key is "random", even subjects "control", odd "treatment". */
  static String armOf(@Nullable String key) {
    int subject = subjectNumber(key);
    return subject < 0 ? "random" : subject % 2 == 0 ? "control" : "treatment";
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** What the double received: image hash, subject key (null when unset), experiment. */
  record Received(String image, @Nullable String subjectKey, String experiment) {}

  /**
   * A GroundedCaption double that assigns arms like a server running an experiment: it answers
   * every request with Started (arm from {@link #armOf}), one TextDelta and Finished, or with the
   * status {@link #failure} gives; and sends the arm in the {@code gcg-arm} header.
   */
  static final class FakeExperimentServer extends GroundedCaptionGrpc.GroundedCaptionImplBase {
    final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger maxOpen = new AtomicInteger();
    volatile Function<CaptionRequest, @Nullable Status> failure = request -> null;
    volatile boolean sendStartedArm = true;
    volatile boolean holdUntilQuiet;
    private final List<Runnable> held = new ArrayList<>();
    private final ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
    private @Nullable ScheduledFuture<?> release;
    private int open;

    @Override
    public void caption(CaptionRequest request, StreamObserver<CaptionEvent> events) {
      String key = request.getSubjectKey();
      received.add(
          new Received(
              sha256(request.getImage().toByteArray()),
              key.isEmpty() ? null : key,
              request.getExperiment()));
      Runnable answer = () -> answer(request, events);
      if (!holdUntilQuiet) {
        answer.run();
        return;
      }
      synchronized (this) {
        open++;
        maxOpen.accumulateAndGet(open, Math::max);
        held.add(answer);
        if (release != null) {
          release.cancel(false);
        }
        release = releaser.schedule(this::releaseAll, 300, TimeUnit.MILLISECONDS);
      }
    }

    private void releaseAll() {
      List<Runnable> answers;
      synchronized (this) {
        answers = new ArrayList<>(held);
        held.clear();
        open -= answers.size();
      }
      answers.forEach(Runnable::run);
    }

    private void answer(CaptionRequest request, StreamObserver<CaptionEvent> events) {
      Status status = failure.apply(request);
      if (status != null) {
        events.onError(status.asRuntimeException());
        return;
      }
      String arm = sendStartedArm ? armOf(request.getSubjectKey()) : "";
      events.onNext(
          CaptionEvent.newBuilder()
              .setStarted(Started.newBuilder().setPruner("fastv").setArm(arm))
              .build());
      events.onNext(
          CaptionEvent.newBuilder()
              .setTextDelta(TextDelta.newBuilder().setText("a").setIndex(0))
              .build());
      events.onNext(
          CaptionEvent.newBuilder()
              .setFinished(Finished.newBuilder().setGeneratedTokens(1))
              .build());
      events.onCompleted();
    }

    /** Adds {@code gcg-arm} to the headers, or to the trailers of a call that sent none. */
    ServerInterceptor armHeader() {
      return new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
          AtomicReference<@Nullable String> arm = new AtomicReference<>();
          ServerCall<Q, R> withArm =
              new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                private boolean headersSent;

                @Override
                public void sendHeaders(Metadata sent) {
                  putArm(sent);
                  headersSent = true;
                  super.sendHeaders(sent);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                  if (!headersSent) {
                    putArm(trailers);
                  }
                  super.close(status, trailers);
                }

                private void putArm(Metadata metadata) {
                  String value = arm.get();
                  if (value != null) {
                    metadata.put(AbDriveCall.ARM_HEADER, value);
                  }
                }
              };
          return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
              next.startCall(withArm, headers)) {
            @Override
            public void onMessage(Q message) {
              arm.set(armOf(((CaptionRequest) message).getSubjectKey()));
              super.onMessage(message);
            }
          };
        }
      };
    }

    void close() {
      releaser.shutdownNow();
    }
  }
}
