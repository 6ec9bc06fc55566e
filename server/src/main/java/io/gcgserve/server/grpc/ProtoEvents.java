package io.gcgserve.server.grpc;

import com.google.protobuf.ByteString;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.proto.v1.Assignment;
import io.gcgserve.proto.v1.BudgetDecision;
import io.gcgserve.proto.v1.BudgetOutcome;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.Mask;
import io.gcgserve.proto.v1.MaskFormat;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.proto.v1.TextDelta;
import io.gcgserve.proto.v1.Timings;
import io.gcgserve.server.budget.BudgetController;
import io.gcgserve.server.experiment.Experiments;
import io.gcgserve.server.metrics.RequestLabels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.jspecify.annotations.Nullable;

/** Converts the model's generation events to {@code gcg.v1} stream events. */
final class ProtoEvents {

  private ProtoEvents() {}

  static CaptionEvent started(
      String pruner,
      Experiments.@Nullable Choice choice,
      String requestId,
      PrefillReport report,
      BudgetController.@Nullable Decision decision) {
    Started.Builder started =
        Started.newBuilder()
            .setPruner(pruner)
            .setArm(choice == null ? RequestLabels.NONE : choice.arm().name())
            .setRequestId(requestId)
            .setVisualTokensTotal(report.visualTokens())
            .setVisualTokensKept(report.visualTokensKept())
            .setFlopsRatio(report.flopsRatio())
            .setPromptTokens(report.promptTokens());
    if (choice != null) {
      started
          .setExperiment(choice.experiment().name())
          .setAssignment(
              choice.assignment() == Experiments.Assignment.HASHED
                  ? Assignment.ASSIGNMENT_HASHED
                  : Assignment.ASSIGNMENT_RANDOM);
    }
    for (int tokens : report.visualTokensPerLayer()) {
      started.addVisualTokensPerLayer(tokens);
    }
    if (decision != null) {
      started.setBudget(budgetDecision(decision));
    }
    return CaptionEvent.newBuilder().setStarted(started).build();
  }

  static BudgetDecision budgetDecision(BudgetController.Decision decision) {
    return BudgetDecision.newBuilder()
        .setKind(decision.limit().kind())
        .setLimit(decision.limit().value())
        .setKeepRatio(decision.keepRatio())
        .setPredictedTtftMs(decision.predictedTtftMs())
        .setPredictedQueueMs(decision.predictedQueueMs())
        .setOutcome(
            decision.bestEffort()
                ? BudgetOutcome.BUDGET_OUTCOME_BEST_EFFORT
                : BudgetOutcome.BUDGET_OUTCOME_PLANNED)
        .setReason(decision.reason())
        .build();
  }

  static CaptionEvent textDelta(TokenDelta delta) {
    return CaptionEvent.newBuilder()
        .setTextDelta(TextDelta.newBuilder().setText(delta.text()).setIndex(delta.index()))
        .build();
  }

  static CaptionEvent groundedPhrase(GroundedPhrase phrase, MaskFormat format) {
    return CaptionEvent.newBuilder()
        .setGroundedPhrase(
            io.gcgserve.proto.v1.GroundedPhrase.newBuilder()
                .setPhrase(phrase.phrase())
                .setCharStart(phrase.charStart())
                .setCharEnd(phrase.charEnd())
                .setMask(mask(phrase.mask(), format)))
        .build();
  }

  static Mask mask(BinaryMask mask, MaskFormat format) {
    Mask.Builder out =
        Mask.newBuilder()
            .setRleCounts(CocoRle.encode(mask).toCompressedString())
            .addSize(mask.height())
            .addSize(mask.width())
            .setScore(mask.score())
            .setEmpty(mask.area() == 0);
    for (int value : mask.bbox()) {
      out.addBbox(value);
    }
    if (format == MaskFormat.MASK_FORMAT_PNG) {
      out.setPng(ByteString.copyFrom(png(mask)));
    }
    return out.build();
  }

  /** An 8-bit grayscale PNG, 255 where the mask is set. */
  static byte[] png(BinaryMask mask) {
    BufferedImage image =
        new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_BYTE_GRAY);
    byte[] row = new byte[mask.width()];
    for (int y = 0; y < mask.height(); y++) {
      for (int x = 0; x < mask.width(); x++) {
        row[x] = mask.get(x, y) ? (byte) 255 : 0;
      }
      image.getRaster().setDataElements(0, y, mask.width(), 1, row);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode mask PNG", e);
    }
    return bytes.toByteArray();
  }

  static CaptionEvent finished(
      GenerationResult result, Timings timings, BudgetOutcome budgetOutcome) {
    return CaptionEvent.newBuilder()
        .setFinished(
            Finished.newBuilder()
                .setFinishReason(finishReason(result.finishReason()))
                .setGeneratedTokens(result.generatedTokens())
                .setTimings(timings)
                .setBudgetOutcome(budgetOutcome))
        .build();
  }

  static io.gcgserve.proto.v1.FinishReason finishReason(FinishReason reason) {
    return switch (reason) {
      case END_OF_SEQUENCE -> io.gcgserve.proto.v1.FinishReason.FINISH_REASON_END_OF_SEQUENCE;
      case MAX_TOKENS -> io.gcgserve.proto.v1.FinishReason.FINISH_REASON_MAX_TOKENS;
      case CANCELLED -> io.gcgserve.proto.v1.FinishReason.FINISH_REASON_UNSPECIFIED;
    };
  }
}
