package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own rate-limit 429s (a route policy's client rate limit, a consumer's rate limit)
 * say how long the limiter computed, to the millisecond, in {@code retry-after-ms} beside the whole
 * seconds of {@code Retry-After}: the OpenAI and Anthropic SDKs read {@code retry-after-ms} first,
 * so a bucket with room again in 120 ms costs a client 120 ms, not a second. The same in memory and
 * with the shared Redis store, on the OpenAI doors and on {@code /v1/messages}. Time is a manual
 * clock: the waits are exact.
 */
class RateLimitRetryHintTest extends RateLimitedGateways {

  static HttpResponse<String> message(GatewayHarness gateway, String model) throws Exception {
    return gateway.post(
        "/v1/messages",
        "{\"model\":\""
            + model
            + "\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "x-api-key",
        "sk-two",
        "anthropic-version",
        "2023-06-01");
  }

  /**
   * The {@code retry-after-ms} of a refusal: the limiter's wait, which it rounds up to the next
   * millisecond (its bucket's level is a double, so 120 ms may come out as 120.000001).
   */
  static long waitMs(HttpResponse<String> refused) {
    return Long.parseLong(refused.headers().firstValue("retry-after-ms").orElseThrow());
  }

  @Test
  void rateLimitRefusalsSayTheLimitersWaitToTheMillisecondInMemory() throws Exception {
    refusalsSayTheWait(local);
  }

  @Test
  void rateLimitRefusalsSayTheLimitersWaitToTheMillisecondInRedis() throws Exception {
    refusalsSayTheWait(shared);
  }

  private void refusalsSayTheWait(GatewayHarness gateway) throws Exception {
    // Route "capped": 1 request a minute. 120 ms before its bucket has room again:
    assertThat(chat(gateway, "capped").statusCode()).isEqualTo(200);
    clock.advance(60_000 - 120);
    HttpResponse<String> routeRefused = chat(gateway, "capped");
    assertThat(routeRefused.statusCode()).as(routeRefused.body()).isEqualTo(429);
    assertThat(GatewayHarness.json(routeRefused.body()).at("/error/code").asText())
        .isEqualTo("rate_limit_exceeded");
    assertThat(waitMs(routeRefused)).isBetween(120L, 121L);
    assertThat(routeRefused.headers().firstValue("retry-after")).hasValue("1");

    // Consumer "two-a-minute" (the route's refusal gave its request back): two requests, then
    // one every 30 s. 120 ms before the next one fits, on the Anthropic-shaped door:
    clock.advance(60_000);
    assertThat(chat(gateway, "open").statusCode()).isEqualTo(200);
    assertThat(chat(gateway, "open").statusCode()).isEqualTo(200);
    clock.advance(30_000 - 120);
    HttpResponse<String> consumerRefused = message(gateway, "open");
    assertThat(consumerRefused.statusCode()).as(consumerRefused.body()).isEqualTo(429);
    JsonNode error = GatewayHarness.json(consumerRefused.body());
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.at("/error/type").asText()).isEqualTo("rate_limit_error");
    assertThat(waitMs(consumerRefused)).isBetween(120L, 121L);
    assertThat(consumerRefused.headers().firstValue("retry-after")).hasValue("1");

    // A wait of more than a second: Retry-After rounds up, retry-after-ms stays exact.
    clock.advance(120);
    assertThat(chat(gateway, "open").statusCode()).isEqualTo(200);
    clock.advance(28_500);
    HttpResponse<String> longer = chat(gateway, "open");
    assertThat(longer.statusCode()).isEqualTo(429);
    assertThat(waitMs(longer)).isBetween(1500L, 1501L);
    assertThat(longer.headers().firstValue("retry-after")).hasValue("2");
    // Waits an SDK takes: it retries them, nothing tells it not to.
    for (HttpResponse<String> refused : List.of(routeRefused, consumerRefused, longer)) {
      assertThat(refused.headers().firstValue("x-should-retry")).isEmpty();
    }
    clock.advance(60_000); // the next test starts with full buckets
  }
}
