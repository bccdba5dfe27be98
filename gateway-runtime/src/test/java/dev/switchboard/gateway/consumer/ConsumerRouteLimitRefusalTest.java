package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A request the route's own client rate limit refuses (the admit stage, after the consumer's
 * admission) was never served: its consumer gets the request back, counted in memory and in the
 * shared Redis store alike, and {@code switchboard_consumer_requests_total} counts it as {@code
 * route_rate_limited}, not {@code admitted}. Time is a manual clock, so no bucket refills during
 * the test.
 */
class ConsumerRouteLimitRefusalTest extends RateLimitedGateways {

  static String message(HttpResponse<String> refused) throws Exception {
    JsonNode error = GatewayHarness.json(refused.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
    return error.get("message").asText();
  }

  @Test
  void aRouteLimitRefusalGivesTheConsumerItsRequestBackInMemory() throws Exception {
    refusalGivesTheRequestBack(local);
  }

  @Test
  void aRouteLimitRefusalGivesTheConsumerItsRequestBackInRedis() throws Exception {
    refusalGivesTheRequestBack(shared);
  }

  private void refusalGivesTheRequestBack(GatewayHarness gateway) throws Exception {
    // Consumer: 2 requests a minute; route "capped": 1 a minute.
    assertThat(chat(gateway, "capped").statusCode()).isEqualTo(200);
    HttpResponse<String> routeRefused = chat(gateway, "capped");
    assertThat(routeRefused.statusCode()).isEqualTo(429);
    assertThat(message(routeRefused))
        .doesNotContain("two-a-minute"); // the route's, not the consumer's

    // The refused request served nothing: the consumer's second request of the minute is left.
    assertThat(chat(gateway, "open").statusCode()).isEqualTo(200);
    HttpResponse<String> consumerRefused = chat(gateway, "open");
    assertThat(consumerRefused.statusCode()).isEqualTo(429);
    assertThat(message(consumerRefused)).contains("consumer 'two-a-minute'");

    // The consumer's metric says what happened to each of its four requests.
    assertThat(consumerRequests(gateway, "admitted")).isEqualTo(2);
    assertThat(consumerRequests(gateway, "route_rate_limited")).isEqualTo(1);
    assertThat(consumerRequests(gateway, "rate_limited")).isEqualTo(1);
  }

  /** {@code switchboard_consumer_requests_total} of the consumer with {@code outcome}. */
  private static double consumerRequests(GatewayHarness gateway, String outcome) throws Exception {
    double count = 0;
    for (String line : gateway.admin("/metrics").body().split("\n")) {
      if (line.startsWith("switchboard_consumer_requests_total{")
          && line.contains("consumer=\"two-a-minute\"")
          && line.contains("outcome=\"" + outcome + "\"")) {
        count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return count;
  }
}
