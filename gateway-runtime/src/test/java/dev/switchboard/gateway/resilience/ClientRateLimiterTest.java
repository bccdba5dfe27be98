package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ClientRateLimiterTest {

  private final AtomicLong now = new AtomicLong(7);
  private final ClientRateLimiter limiter = new ClientRateLimiter(now::get);

  private static Function<String, String> headers(Map<String, String> h) {
    return name -> h.get(name.toLowerCase());
  }

  @Test
  void requestsPerMinutePerApiKey() {
    List<RoutingTable.RateLimit> limits = List.of(new RoutingTable.RateLimit("api-key", 2, null));
    Function<String, String> alice = headers(Map.of("authorization", "Bearer sk-alice"));
    Function<String, String> bob = headers(Map.of("authorization", "Bearer sk-bob"));
    assertThat(limiter.admit(limits, "pol", "r", alice).limited()).isFalse();
    assertThat(limiter.admit(limits, "pol", "r", alice).limited()).isFalse();
    ClientRateLimiter.Decision third = limiter.admit(limits, "pol", "r", alice);
    assertThat(third.limited()).isTrue();
    assertThat(third.dimension()).isEqualTo("requests");
    assertThat(third.retryAfterSeconds()).isEqualTo(30);
    assertThat(third.retryAfterMs()).isEqualTo(30_000);
    assertThat(third.message()).doesNotContain("sk-alice");
    assertThat(limiter.admit(limits, "pol", "r", bob).limited()).isFalse();
  }

  @Test
  void tokensAreChargedAfterTheAnswer() {
    List<RoutingTable.RateLimit> limits =
        List.of(new RoutingTable.RateLimit("route", null, 1_000L));
    Function<String, String> none = headers(Map.of());
    ClientRateLimiter.Decision first = limiter.admit(limits, "pol", "r", none);
    assertThat(first.limited()).isFalse();
    first.chargeTokens(1_500);
    ClientRateLimiter.Decision second = limiter.admit(limits, "pol", "r", none);
    assertThat(second.limited()).isTrue();
    assertThat(second.dimension()).isEqualTo("tokens");
    now.addAndGet(31_000_000_000L); // 500 tokens refilled: the level is positive again
    assertThat(limiter.admit(limits, "pol", "r", none).limited()).isFalse();
  }

  @Test
  void headerKeyedLimitSkipsRequestsWithoutTheHeader() {
    List<RoutingTable.RateLimit> limits =
        List.of(new RoutingTable.RateLimit("header:x-team", 1, null));
    Function<String, String> teamA = headers(Map.of("x-team", "a"));
    assertThat(limiter.admit(limits, "pol", "r", teamA).limited()).isFalse();
    assertThat(limiter.admit(limits, "pol", "r", teamA).limited()).isTrue();
    assertThat(limiter.admit(limits, "pol", "r", headers(Map.of())).limited()).isFalse();
  }

  @Test
  void apiKeysAreHashedNeverKeptRaw() {
    String value =
        ClientRateLimiter.keyValue(
            "api-key", "r", headers(Map.of("authorization", "Bearer sk-secret")));
    assertThat(value).hasSize(64).doesNotContain("sk-secret");
  }

  /**
   * A {@code header:} limit on a credential header (another scheme's {@code Authorization},
   * Gemini's {@code x-goog-api-key}) keeps a digest of the value, never the value, and still counts
   * each distinct value in its own bucket.
   */
  @Test
  void headerKeyedBucketsHoldADigestNeverTheHeaderValue() {
    List<RoutingTable.RateLimit> limits =
        List.of(
            new RoutingTable.RateLimit("header:authorization", 1, null),
            new RoutingTable.RateLimit("header:X-Goog-Api-Key", 5, null));
    Function<String, String> alice =
        headers(
            Map.of("authorization", "Basic YWxpY2U6c2VjcmV0", "x-goog-api-key", "AIzaAliceKey"));
    Function<String, String> bob =
        headers(Map.of("authorization", "Basic Ym9iOnNlY3JldA==", "x-goog-api-key", "AIzaBobKey"));
    assertThat(limiter.admit(limits, "pol", "r", alice).limited()).isFalse();
    assertThat(limiter.admit(limits, "pol", "r", alice).limited()).isTrue();
    assertThat(limiter.admit(limits, "pol", "r", bob).limited()).isFalse();

    assertThat(limiter.keyValues()).hasSize(4).allSatisfy(v -> assertThat(v).hasSize(64));
    assertThat(String.join("\n", limiter.keyValues()))
        .doesNotContain("YWxpY2U6c2VjcmV0", "Ym9iOnNlY3JldA==", "AIzaAliceKey", "AIzaBobKey");
  }

  @Test
  void aBearerAuthorizationHeaderLimitCountsByTheKeysOwnHash() {
    Function<String, String> h = headers(Map.of("authorization", "Bearer sk-secret"));
    assertThat(ClientRateLimiter.keyValue("header:Authorization", "r", h))
        .isEqualTo(ClientRateLimiter.keyValue("api-key", "r", h))
        .doesNotContain("sk-secret");
    // A header the key was not read from is hashed as sent.
    Function<String, String> both =
        headers(Map.of("authorization", "Bearer sk-secret", "x-api-key", "sk-other"));
    assertThat(ClientRateLimiter.keyValue("header:x-api-key", "r", both))
        .isEqualTo(dev.switchboard.gateway.request.KeyDigest.of("sk-other"));
  }
}
