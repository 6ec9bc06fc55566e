package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * One decode step of many sessions at once. The embedding, every layer's projections and MLP, the
 * final norm and the output head run once on a {@code (B, 1, d)} batch, so their per-op overhead is
 * shared; so does attention, over the {@link KvPool}'s slots (see {@link PooledAttention}); masks,
 * the glance and sampling are per request. A row's arithmetic is the same whatever else is in the
 * batch: every slot has the same shape, and a row's cache length only decides which of its
 * positions are masked.
 *
 * <p>Memory: the step computes in a sub-manager of the model's manager, closed when it returns;
 * each session's cache is its slots in the pool, written in place.
 */
final class DecodeBatch {

  private DecodeBatch() {}

  /** See {@link io.gcgserve.model.StepwiseCaptioner#decode}. */
  static List<StepEvents> step(
      NDManager modelManager,
      KvPool pool,
      GcgNetwork network,
      List<GenerationSession> generic,
      StepTimings timings) {
    List<DjlGenerationSession> sessions = sessionsOf(network, generic);
    if (sessions.isEmpty()) {
      return List.of();
    }
    return pool.read(() -> stepLocked(modelManager, network, sessions, timings));
  }

  private static List<StepEvents> stepLocked(
      NDManager modelManager,
      GcgNetwork network,
      List<DjlGenerationSession> sessions,
      StepTimings timings) {
    int batch = sessions.size();
    GcgConfig config = network.config();
    long start = System.nanoTime();
    try (NDManager scope = modelManager.newSubManager()) {
      long[] tokens = new long[batch];
      int[] positions = new int[batch];
      boolean renumbered = false;
      for (int i = 0; i < batch; i++) {
        DjlGenerationSession session = sessions.get(i);
        tokens[i] = session.lastToken();
        positions[i] = session.takePosition();
        renumbered |= session.renumbers();
      }
      NDArray x = network.embed(scope.create(tokens).reshape(batch, 1));
      List<NDList> rope = ropePerLayer(scope, network, sessions, positions, renumbered);
      PooledAttention attention = PooledAttention.of(scope, sessions);
      for (int layer = 0; layer < config.layers(); layer++) {
        x = network.decodeLayer(layer, x, rope.get(layer), attention);
        for (int i = 0; i < batch; i++) {
          sessions.get(i).cache().grew(layer);
        }
      }
      NDArray normed = network.finalNorm(x);
      long llmNanos = System.nanoTime() - start;
      NDList rowStates = LanguageModel.rows(normed, batch);
      GroundedPhrase[] phrases = new GroundedPhrase[batch];
      NDArray[] rows = new NDArray[batch];
      boolean changed = false;
      for (int i = 0; i < batch; i++) {
        NDArray row = rowStates.get(i);
        DjlGenerationSession.HeadOutput head = sessions.get(i).heads(row, timings);
        phrases[i] = head.phrase();
        rows[i] = head.forLogits();
        changed |= head.forLogits() != row;
      }
      long headStart = System.nanoTime();
      NDArray forLogits = changed ? NDArrays.concat(new NDList(rows), 0) : normed;
      float[] logits = network.logits(forLogits).toFloatArray();
      long samplingStart = System.nanoTime();
      timings.add(StepTimings.Phase.LLM_STEP, llmNanos + samplingStart - headStart);
      int vocabulary = config.vocabSize();
      List<StepEvents> events = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        float[] own = Arrays.copyOfRange(logits, i * vocabulary, (i + 1) * vocabulary);
        events.add(sessions.get(i).endStep(own, phrases[i]));
      }
      timings.add(StepTimings.Phase.SAMPLING, System.nanoTime() - samplingStart);
      return events;
    }
  }

  /**
   * Each layer's RoPE tables {@code (B, 1, 1, dh)}: the same for every layer, unless a row's pruner
   * renumbers positions, when a row's position in a layer follows that layer's cache.
   */
  private static List<NDList> ropePerLayer(
      NDManager scope,
      GcgNetwork network,
      List<DjlGenerationSession> sessions,
      int[] positions,
      boolean renumbered) {
    GcgConfig config = network.config();
    int batch = sessions.size();
    int layers = config.layers();
    Shape rows = new Shape(batch, 1, 1, config.headDim());
    if (!renumbered) {
      NDList tables = network.ropeTables(scope, positions);
      NDList shared = new NDList(tables.get(0).reshape(rows), tables.get(1).reshape(rows));
      return Collections.nCopies(layers, shared);
    }
    int[] all = new int[layers * batch];
    for (int layer = 0; layer < layers; layer++) {
      for (int i = 0; i < batch; i++) {
        DjlGenerationSession session = sessions.get(i);
        all[layer * batch + i] = session.renumbers() ? session.layerPosition(layer) : positions[i];
      }
    }
    NDList tables = network.ropeTables(scope, all);
    NDList cos = tables.get(0).split(layers, 0);
    NDList sin = tables.get(1).split(layers, 0);
    List<NDList> perLayer = new ArrayList<>(layers);
    for (int layer = 0; layer < layers; layer++) {
      perLayer.add(new NDList(cos.get(layer).reshape(rows), sin.get(layer).reshape(rows)));
    }
    return perLayer;
  }

  /** The sessions as this network's, distinct and ready to step. */
  private static List<DjlGenerationSession> sessionsOf(
      GcgNetwork network, List<GenerationSession> generic) {
    List<DjlGenerationSession> sessions = new ArrayList<>(generic.size());
    Set<DjlGenerationSession> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (GenerationSession session : generic) {
      if (!(session instanceof DjlGenerationSession own) || own.network() != network) {
        throw new IllegalArgumentException("a session of another model in the decode batch");
      }
      if (!seen.add(own)) {
        throw new IllegalArgumentException("a session twice in one decode batch");
      }
      own.checkDecodable();
      sessions.add(own);
    }
    return sessions;
  }
}
