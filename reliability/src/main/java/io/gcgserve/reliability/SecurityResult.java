package io.gcgserve.reliability;

import io.gcgserve.harness.PrometheusText;
import io.gcgserve.reliability.SecurityScenario.Bad;
import java.util.List;
import java.util.Map;

/** The TLS-and-tokens scenario's figures and checks, from the statuses and two scrapes. */
final class SecurityResult {

  /**
   * The good client's latency p50 during the attempts may be at most this times the one alone...
   */
  static final double LATENCY_RATIO_LIMIT = 1.5;

  /** ... plus this much. */
  static final double LATENCY_SLACK_MS = 50;

  private SecurityResult() {}

  static ScenarioResult of(
      String name,
      int attempts,
      Map<Bad, Map<String, Integer>> statuses,
      List<Double> alone,
      List<CaptionStream.Outcome> during,
      PrometheusText before,
      PrometheusText after) {
    double handshakes = delta(before, after, "gcg_tls_handshake_failures_total");
    double certificates = delta(before, after, "gcg_tls_client_certificates_rejected_total");
    double unknown =
        delta(before, after, "gcg_auth_refused_total", "endpoint", "grpc", "reason", "unknown");
    double missing =
        delta(before, after, "gcg_auth_refused_total", "endpoint", "grpc", "reason", "missing");
    double unauthenticated =
        delta(before, after, "gcg_requests_total", "status", "UNAUTHENTICATED");
    long goodOk = during.stream().filter(CaptionStream.Outcome::completed).count();
    double aloneP50 = Stats.quantile(alone, 0.5);
    double duringP50 =
        Stats.quantile(during.stream().map(CaptionStream.Outcome::totalMillis).toList(), 0.5);
    StringBuilder kinds = new StringBuilder();
    ScenarioResult.Checks checks = new ScenarioResult.Checks();
    for (Bad bad : Bad.values()) {
      Map<String, Integer> got = statuses.getOrDefault(bad, Map.of());
      kinds.append(bad.what).append(": ").append(got).append("; ");
      checks.require(
          bad.what + " refused " + bad.expected,
          got.getOrDefault(bad.expected.name(), 0) == attempts);
    }
    String figures =
        String.format(
            java.util.Locale.ROOT,
            "%d attempts of each kind (at most one per "
                + SecurityScenario.PACE_MS
                + " ms): %sserver counted %.0f failed handshakes"
                + " (gcg_tls_handshake_failures_total), %.0f refused client certificates, %.0f"
                + " unknown and %.0f missing tokens (gcg_auth_refused_total), %.0f UNAUTHENTICATED"
                + " in gcg_requests_total; good client: %d of %d captions completed during the"
                + " attempts, latency p50 %s ms (alone: %s ms)",
            attempts,
            kinds,
            handshakes,
            certificates,
            unknown,
            missing,
            unauthenticated,
            goodOk,
            during.size(),
            Stats.f1(duringP50),
            Stats.f1(aloneP50));
    checks
        .require("failed handshakes counted (>= " + 3 * attempts + ")", handshakes >= 3 * attempts)
        .require("foreign client certificates counted", certificates == attempts)
        .require("wrong and missing tokens counted", unknown == attempts && missing == attempts)
        .require("token refusals in gcg_requests_total", unauthenticated == 2 * attempts)
        .require("the good client is served throughout", goodOk == during.size() && goodOk > 0)
        .measure(
            "good client's p50 during <= "
                + Stats.f1(LATENCY_RATIO_LIMIT)
                + " x alone + "
                + Stats.f1(LATENCY_SLACK_MS)
                + " ms",
            duringP50 <= LATENCY_RATIO_LIMIT * aloneP50 + LATENCY_SLACK_MS);
    return new ScenarioResult(name, figures, checks.list());
  }

  private static double delta(
      PrometheusText before, PrometheusText after, String name, String... labels) {
    return after.sum(name, labels) - before.sum(name, labels);
  }
}
