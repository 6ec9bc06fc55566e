package io.gcgserve.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One request of the plan, fixed before the run from the seed: when it is meant to be sent (open
 * loop), which mix entry, which image, which subject key, and whether (and after how many tokens)
 * the client cancels it.
 *
 * @param index position in the plan
 * @param offsetNanos intended send time after the run's start (open loop; 0 for closed loop)
 * @param mix index into the workload's mix
 * @param image index into the image set
 * @param subjectKey the subject key sent with experiment requests
 * @param cancelAfterTokens cancel after this many text deltas, or -1 not to cancel
 */
record PlannedRequest(
    int index, long offsetNanos, int mix, int image, String subjectKey, int cancelAfterTokens) {

  /** Largest token count at which a planned cancellation fires. */
  static final int CANCEL_WITHIN_TOKENS = 16;

  /**
   * The plan of {@code workload} over {@code images} images. Each aspect draws from its own stream
   * of the seed, so adding cancellations does not move the arrivals or change the mix.
   */
  static List<PlannedRequest> plan(Workload workload, int images) {
    long seed = workload.seed();
    int count;
    long[] offsets;
    if (workload.closedLoop()) {
      count =
          workload.requests() > 0
              ? workload.requests()
              : (int) Math.min(200_000, Math.ceil(workload.durationSeconds() * 1000));
      offsets = new long[count];
    } else {
      count =
          ArrivalSchedule.count(workload.rate(), workload.durationSeconds(), workload.requests());
      offsets =
          ArrivalSchedule.offsets(
              workload.arrival(), workload.rate(), workload.burstiness(), count, seed);
    }
    double[] cumulative = cumulativeWeights(workload.mix());
    SplittableRandom mixRandom = new SplittableRandom(seed * 31 + 1);
    SplittableRandom imageRandom = new SplittableRandom(seed * 31 + 2);
    SplittableRandom keyRandom = new SplittableRandom(seed * 31 + 3);
    SplittableRandom cancelRandom = new SplittableRandom(seed * 31 + 4);
    int cancelWithin =
        workload.maxTokens() > 0
            ? Math.max(1, Math.min(CANCEL_WITHIN_TOKENS, workload.maxTokens() / 2))
            : CANCEL_WITHIN_TOKENS;
    List<PlannedRequest> plan = new ArrayList<>(Math.min(count, 100_000));
    for (int i = 0; i < count; i++) {
      int mix = pick(cumulative, mixRandom.nextDouble());
      int image = imageRandom.nextInt(images);
      String key =
          String.format(Locale.ROOT, "subject-%06d", keyRandom.nextInt(workload.subjects()));
      boolean cancel = cancelRandom.nextDouble() < workload.cancelShare();
      int after = cancelRandom.nextInt(cancelWithin) + 1;
      plan.add(new PlannedRequest(i, offsets[i], mix, image, key, cancel ? after : -1));
    }
    return plan;
  }

  private static double[] cumulativeWeights(List<MixEntry> mix) {
    double[] cumulative = new double[mix.size()];
    double total = 0;
    for (int i = 0; i < mix.size(); i++) {
      total += mix.get(i).weightOrOne();
      cumulative[i] = total;
    }
    for (int i = 0; i < cumulative.length; i++) {
      cumulative[i] /= total;
    }
    return cumulative;
  }

  private static int pick(double[] cumulative, double u) {
    for (int i = 0; i < cumulative.length; i++) {
      if (u < cumulative[i]) {
        return i;
      }
    }
    return cumulative.length - 1;
  }
}
