package io.gcgserve.server;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.Flops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Test double of the model: a fixed caption with two grounded phrases whose masks are rectangles, a
 * real call to the request's pruner on a 4x4 grid, and an optional gate that holds generation after
 * the first token until released or cancelled (for cancel, deadline and overload tests), and an
 * optional failure thrown after the first token (for the server-fault tests).
 */
final class ScriptedCaptioner implements StepwiseCaptioner {

  static final ModelGeometry GEOMETRY = new ModelGeometry(4, 4, 4, 32, 64);

  /** Text tokens of every prompt, as {@link #promptTokens} and the prefill report say. */
  static final int PROMPT_TOKENS = 5;

  static final String DEFAULT_PROMPT = "Describe the image and ground each object.";
  static final List<String> TOKENS =
      List.of(
          "<p>",
          " red star",
          " </p>",
          " [SEG]",
          " above",
          " <p>",
          " blue square",
          " </p>",
          " [SEG]",
          ".");

  private final AtomicInteger generations = new AtomicInteger();
  private final AtomicInteger largestDecodeBatch = new AtomicInteger();
  private final AtomicInteger tokensEmitted = new AtomicInteger();
  private final AtomicReference<ImageRgb> lastImage = new AtomicReference<>();
  private volatile boolean gateArmed;
  private volatile CountDownLatch release = new CountDownLatch(1);
  private volatile CountDownLatch blocked = new CountDownLatch(1);
  private volatile CountDownLatch returned = new CountDownLatch(1);
  private final AtomicReference<FinishReason> lastFinish = new AtomicReference<>();
  private final AtomicReference<RuntimeException> nextFailure = new AtomicReference<>();

  @Override
  public ModelInfo info() {
    return new ModelInfo("scripted", GEOMETRY, 64, 512, DEFAULT_PROMPT);
  }

  @Override
  public int promptTokens(String prompt) {
    return PROMPT_TOKENS;
  }

  /** From now on, generations wait after their first token until {@link #release()}. */
  void armGate() {
    release = new CountDownLatch(1);
    blocked = new CountDownLatch(1);
    returned = new CountDownLatch(1);
    gateArmed = true;
  }

  /** Lets waiting and future generations run freely. */
  void release() {
    gateArmed = false;
    release.countDown();
  }

  /** Waits until a gated generation is held at the gate. */
  void awaitBlocked() throws InterruptedException {
    if (!blocked.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("generation never reached the gate");
    }
  }

  /** Waits until the gated generation returned; gives its finish reason. */
  FinishReason awaitReturned() throws InterruptedException {
    if (!returned.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("generation never returned");
    }
    return lastFinish.get();
  }

  /** The next generation throws {@code failure} right after its first token; later ones run. */
  void failNextAfterFirstToken(RuntimeException failure) {
    nextFailure.set(failure);
  }

  /** Tokens handed to listeners so far, over all generations. */
  int tokensEmitted() {
    return tokensEmitted.get();
  }

  int generations() {
    return generations.get();
  }

  /** The most sessions one decode step was given so far. */
  int largestDecodeBatch() {
    return largestDecodeBatch.get();
  }

  ImageRgb lastImage() {
    return lastImage.get();
  }

  @Override
  public GenerationSession openSession(GenerationRequest request) {
    generations.incrementAndGet();
    lastImage.set(request.image());
    return new Session(request, gateArmed, nextFailure.getAndSet(null));
  }

  @Override
  public List<StepEvents> decode(List<GenerationSession> sessions, StepTimings timings) {
    largestDecodeBatch.accumulateAndGet(sessions.size(), Math::max);
    List<StepEvents> events = new ArrayList<>();
    boolean anyHeld = false;
    for (GenerationSession session : sessions) {
      Session own = (Session) session;
      events.add(own.step());
      anyHeld |= own.held;
    }
    if (anyHeld) {
      // a held session makes no progress: do not let the engine spin at full speed on it
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return events;
  }

  /**
   * One scripted generation: the prefill in one piece, then one token of {@link #TOKENS} a step.
   */
  private final class Session implements GenerationSession {
    private final GenerationRequest request;
    private final boolean gated;
    private final @Nullable RuntimeException failure;
    private final StringBuilder caption = new StringBuilder();
    private final List<GroundedPhrase> phrases = new ArrayList<>();
    private @Nullable PrefillReport report;
    private @Nullable FinishReason finish;
    private @Nullable GroundedPhrase pendingPhrase;
    private int generated;
    private int phraseStart = -1;
    boolean held;

    Session(GenerationRequest request, boolean gated, @Nullable RuntimeException failure) {
      this.request = request;
      this.gated = gated;
      this.failure = failure;
    }

    @Override
    public GenerationRequest request() {
      return request;
    }

    @Override
    public boolean isPrefilling() {
      return report == null && finish == null;
    }

    @Override
    public int nextPrefillCost() {
      return GEOMETRY.visualTokens();
    }

    @Override
    public StepEvents advancePrefill() {
      if (request.cancellation().getAsBoolean()) {
        cancel();
        return StepEvents.NONE;
      }
      PrefillReport prefill = prefill(request.pruner(), request.image());
      report = prefill;
      return new StepEvents(prefill, null, next());
    }

    StepEvents step() {
      GroundedPhrase phrase = pendingPhrase;
      if (generated == 1 && failure != null) {
        throw failure;
      }
      if (gated && generated == 1 && release.getCount() > 0) {
        held = true;
        blocked.countDown();
        if (request.cancellation().getAsBoolean()) {
          end(FinishReason.CANCELLED);
        }
        return StepEvents.NONE;
      }
      held = false;
      pendingPhrase = null;
      return new StepEvents(null, phrase, next());
    }

    /** The next token, or null when the generation ends here. */
    private @Nullable TokenDelta next() {
      if (request.cancellation().getAsBoolean()) {
        end(FinishReason.CANCELLED);
        return null;
      }
      if (generated >= TOKENS.size()) {
        end(FinishReason.END_OF_SEQUENCE);
        return null;
      }
      if (generated >= request.options().maxNewTokens()) {
        end(FinishReason.MAX_TOKENS);
        return null;
      }
      String token = TOKENS.get(generated);
      if (token.trim().equals("<p>")) {
        phraseStart = caption.length() + token.length();
      }
      int phraseEnd = caption.length();
      caption.append(token);
      tokensEmitted.incrementAndGet();
      TokenDelta delta = new TokenDelta(generated, 100 + generated, token);
      generated++;
      if (token.equals(" </p>")) {
        int from = phraseStart < 0 ? 0 : phraseStart;
        String text = caption.substring(from, phraseEnd).trim();
        int start = caption.indexOf(text, from);
        phrases.add(
            new GroundedPhrase(
                phrases.size(),
                text,
                start,
                start + text.length(),
                mask(request.image(), phrases.size())));
      }
      if (token.equals(" [SEG]")) {
        // like the model: the phrase comes with the step that feeds its [SEG]
        pendingPhrase = phrases.get(phrases.size() - 1);
      }
      return delta;
    }

    private void end(FinishReason reason) {
      if (finish == null) {
        finish = reason;
        if (gated) {
          lastFinish.set(reason);
          returned.countDown();
        }
      }
    }

    @Override
    public boolean isFinished() {
      return finish != null;
    }

    @Override
    public void cancel() {
      if (report == null) {
        report =
            new PrefillReport(
                PROMPT_TOKENS, GEOMETRY.visualTokens(), new int[GEOMETRY.layers()], 1, 0, 0);
      }
      end(FinishReason.CANCELLED);
    }

    @Override
    public GenerationResult result() {
      if (finish == null || report == null) {
        throw new IllegalStateException("not finished");
      }
      return new GenerationResult(caption.toString(), phrases, report, generated, 1.5, finish);
    }

    @Override
    public long reservedBytes() {
      return 1024;
    }

    @Override
    public void close() {}
  }

  /** Runs the pruner like the model would, on a uniform attention map. */
  private static PrefillReport prefill(TokenPruner pruner, ImageRgb image) {
    int total = GEOMETRY.visualTokens();
    int[] live = new int[total];
    Arrays.setAll(live, i -> i);
    int[] perLayer = new int[GEOMETRY.layers()];
    int[] pruneAfter = pruner.pruneAfterLayers();
    int next = 0;
    for (int layer = 0; layer < GEOMETRY.layers(); layer++) {
      perLayer[layer] = live.length;
      if (next < pruneAfter.length && pruneAfter[next] == layer) {
        float[] attention = new float[live.length];
        Arrays.fill(attention, 1f / live.length);
        KeepSet kept =
            pruner.prune(
                new PruningSnapshot(
                    layer, GEOMETRY.gridHeight(), GEOMETRY.gridWidth(), live, attention, image));
        live = kept.keptVisualTokens();
        next++;
      }
    }
    // Eq. 5 over text + visual tokens, as the real model reports it
    int[] withText = Arrays.stream(perLayer).map(tokens -> tokens + PROMPT_TOKENS).toArray();
    double ratio =
        Flops.ratio(
            withText, total + PROMPT_TOKENS, GEOMETRY.hiddenSize(), GEOMETRY.intermediateSize());
    return new PrefillReport(PROMPT_TOKENS, total, perLayer, ratio, 2.0, 0.25);
  }

  /** Phrase {@code index}'s mask: a rectangle in the left or right half of the image. */
  static BinaryMask mask(ImageRgb image, int index) {
    int width = image.width();
    int height = image.height();
    BitSet pixels = new BitSet(width * height);
    int x0 = index == 0 ? 0 : width / 2;
    for (int y = height / 4; y < Math.max(height / 4 + 1, 3 * height / 4); y++) {
      for (int x = x0; x < Math.max(x0 + 1, x0 + width / 2); x++) {
        if (x < width && y < height) {
          pixels.set(y * width + x);
        }
      }
    }
    return new BinaryMask(width, height, pixels, 0.75f + 0.1f * index);
  }

  @Override
  public void close() {}
}
