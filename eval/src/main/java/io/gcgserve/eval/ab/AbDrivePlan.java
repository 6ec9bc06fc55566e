package io.gcgserve.eval.ab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The requests of one {@code gcg-ab drive} run, fixed before any is sent: request {@code i} sends
 * image {@code i mod n} (the images in the split's annotation order, so every image is sent equally
 * often, give or take one) and the subject key {@code "subject-" + k}, where {@code k} is the
 * {@code i}-th draw of {@link SplittableRandom} seeded with {@code --seed}, uniform in {@code [0,
 * subjects)}. With {@code subjects == 0} no key is sent and the server picks arms at random. The
 * same (requests, images, subjects, seed) always gives the same sequence; concurrency only changes
 * the order in which the requests reach the server.
 *
 * @param requests one entry per request, in index order
 */
@NullMarked
record AbDrivePlan(List<Request> requests) {

  /** Prefix of every subject key. */
  static final String SUBJECT_PREFIX = "subject-";

  /**
   * One planned request.
   *
   * @param index position in the run, from 0
   * @param image index into the image list
   * @param subjectKey the subject key to send, null to send none
   */
  record Request(int index, int image, @Nullable String subjectKey) {}

  AbDrivePlan {
    requests = List.copyOf(requests);
  }

  /**
   * The plan of {@code requests} requests over {@code images} images and {@code subjects} subjects.
   *
   * @throws IllegalArgumentException when requests or images is below 1 or subjects below 0
   */
  static AbDrivePlan create(int requests, int images, int subjects, long seed) {
    if (requests < 1 || images < 1 || subjects < 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "need requests >= 1, images >= 1 and subjects >= 0, got %d, %d, %d",
              requests,
              images,
              subjects));
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<Request> planned = new ArrayList<>(requests);
    for (int i = 0; i < requests; i++) {
      String key = subjects == 0 ? null : SUBJECT_PREFIX + random.nextInt(subjects);
      planned.add(new Request(i, i % images, key));
    }
    return new AbDrivePlan(planned);
  }

  /** Number of requests. */
  int size() {
    return requests.size();
  }
}
