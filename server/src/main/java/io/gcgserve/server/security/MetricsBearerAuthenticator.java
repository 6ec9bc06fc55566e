package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

/**
 * Guards {@code /metrics}: a scrape needs {@code Authorization: Bearer <token>} naming a token of
 * the {@code --metrics-auth-tokens} file, else HTTP 401 with {@code WWW-Authenticate: Bearer}.
 */
final class MetricsBearerAuthenticator extends Authenticator {

  /** The {@code gcg_auth_refused_total} endpoint label of scrapes. */
  static final String ENDPOINT = "metrics";

  private static final int UNAUTHORIZED = 401;

  private final TokenFile tokens;
  private final SecurityMetrics metrics;

  MetricsBearerAuthenticator(TokenFile tokens, SecurityMetrics metrics) {
    this.tokens = requireNonNull(tokens, "tokens is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    String reason =
        BearerAuthInterceptor.refusal(
            tokens, exchange.getRequestHeaders().getFirst("Authorization"));
    if (reason == null) {
      return new Success(new HttpPrincipal("bearer", "metrics"));
    }
    metrics.refused(ENDPOINT, reason);
    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"gcg-serve metrics\"");
    return new Failure(UNAUTHORIZED);
  }
}
