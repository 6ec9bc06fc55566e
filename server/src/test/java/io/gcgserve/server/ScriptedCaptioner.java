package io.gcgserve.server;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.TokenPruner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Test double of the model: a fixed caption with two grounded phrases whose masks are rectangles, a
 * real call to the request's pruner on a 4x4 grid, and an optional gate that holds generation after
 * the first token until released or cancelled (for cancel, deadline and overload tests), and an
 * optional failure thrown after the first token (for the server-fault tests).
 */
final class ScriptedCaptioner implements GroundedCaptioner {

  static final ModelGeometry GEOMETRY = new ModelGeometry(4, 4, 4, 32, 64);
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

  ImageRgb lastImage() {
    return lastImage.get();
  }

  @Override
  public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
    generations.incrementAndGet();
    lastImage.set(request.image());
    boolean gated = gateArmed;
    RuntimeException failure = nextFailure.getAndSet(null);
    PrefillReport prefill = prefill(request.pruner(), request.image());
    listener.onPrefill(prefill);
    StringBuilder caption = new StringBuilder();
    List<GroundedPhrase> phrases = new ArrayList<>();
    int generated = 0;
    FinishReason reason = FinishReason.END_OF_SEQUENCE;
    int phraseStart = -1;
    try {
      for (String token : TOKENS) {
        if (request.cancellation().getAsBoolean()) {
          reason = FinishReason.CANCELLED;
          break;
        }
        if (generated >= request.options().maxNewTokens()) {
          reason = FinishReason.MAX_TOKENS;
          break;
        }
        if (failure != null && generated == 1) {
          throw failure;
        }
        if (gated && generated == 1 && !awaitRelease(request)) {
          reason = FinishReason.CANCELLED;
          break;
        }
        if (token.trim().equals("<p>")) {
          phraseStart = caption.length() + token.length();
        }
        int phraseEnd = caption.length();
        caption.append(token);
        tokensEmitted.incrementAndGet();
        listener.onToken(new TokenDelta(generated, 100 + generated, token));
        generated++;
        if (token.equals(" </p>")) {
          phraseStart = phraseStart < 0 ? 0 : phraseStart;
          String text = caption.substring(phraseStart, phraseEnd).trim();
          int start = caption.indexOf(text, phraseStart);
          phrases.add(
              new GroundedPhrase(
                  phrases.size(),
                  text,
                  start,
                  start + text.length(),
                  mask(request.image(), phrases.size())));
        }
        if (token.equals(" [SEG]")) {
          listener.onGroundedPhrase(phrases.get(phrases.size() - 1));
        }
      }
    } finally {
      if (gated) {
        lastFinish.set(reason);
        returned.countDown();
      }
    }
    return new GenerationResult(caption.toString(), phrases, prefill, generated, 1.5, reason);
  }

  private boolean awaitRelease(GenerationRequest request) {
    blocked.countDown();
    try {
      // the real model checks its flag once per step; this double checks while it waits
      while (!release.await(5, TimeUnit.MILLISECONDS)) {
        if (request.cancellation().getAsBoolean()) {
          return false;
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
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
    double ratio = 0;
    for (int tokens : perLayer) {
      ratio += (double) tokens / total;
    }
    return new PrefillReport(5, total, perLayer, ratio / perLayer.length, 2.0, 0.25);
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
