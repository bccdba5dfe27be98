package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target that cannot serve for a lasting reason of the gateway's own — the provider no longer
 * serves its model (404 {@code model_not_found}: retired model, deleted deployment), or the
 * gateway's account there has no credit (Anthropic's 402 {@code billing_error}, OpenAI's 429 {@code
 * insufficient_quota}, which is no passing rate limit) — is the target's failure, not the client's:
 * the request fails over at once (no same-target retry), the target's breaker counts it and opens,
 * and with nothing left the client gets a 502 in the gateway's own words (not a 404 for a model the
 * gateway lists, not "your quota", no internal model names).
 */
class TargetUnusableIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m", "sk-c"),
            TargetUnusableIT::table,
            Map.of("mock", "sk-m", "claude", "sk-c"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    // Opens at 50 % failures once 4 calls are in the window.
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 5_000L, 4, 60_000L, 60_000L);
    RoutingTable.Provider claude =
        ResilienceTables.provider("claude", mock.baseUrl(), timeouts, null, null, null, Map.of());
    return TestTables.table(
        List.of(
            ResilienceTables.provider("mock", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            new RoutingTable.Provider(
                claude.name(),
                "anthropic",
                claude.baseUrl(),
                claude.hasKey(),
                claude.apiVersion(),
                claude.headers(),
                claude.timeouts(),
                claude.maxConcurrency(),
                claude.maxResponseBytes(),
                claude.quota(),
                claude.healthCheck(),
                claude.models())),
        // maxAttempts 3: a policy that retries the same target must still not retry these.
        List.of(policy("failover", 3, 200, 0.2, 5, breaker, List.of())),
        List.of(
            policyRoute(
                "retired",
                "failover",
                target("mock", "old-model", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute("retired-only", "failover", target("mock", "gone-model", 0)),
            policyRoute(
                "billing",
                "failover",
                target("claude", "claude-billed", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute("billing-only", "failover", target("claude", "claude-broke", 0)),
            policyRoute(
                "no-credit",
                "failover",
                target("mock", "broke-model", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute("no-credit-only", "failover", target("mock", "empty-model", 0)),
            policyRoute(
                "no-credit-stream",
                "failover",
                target("mock", "dry-model", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute("no-credit-stream-only", "failover", target("mock", "drained-model", 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  @Test
  void aRetiredModelFailsOverAtOnceAndOpensItsBreaker() throws Exception {
    mock.faults().set("old-model", "status:404");

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post("retired", i % 2 == 1);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("gpt-4o-mini");
    }
    // One attempt per request: a model that is gone is not retried on the same target.
    assertThat(mock.attempts("old-model")).isEqualTo(4);
    assertThat(breakerState("mock/old-model")).isEqualTo(CircuitBreaker.State.OPEN);

    // Open: the retired target is skipped, the fallback is the first attempt.
    assertThat(post("retired", false).statusCode()).isEqualTo(200);
    assertThat(mock.attempts("old-model")).isEqualTo(4);
  }

  @Test
  void withNothingLeftTheClientGetsTheGatewaysWordsNotTheProviders404() throws Exception {
    mock.faults().set("gone-model", "status:404");

    HttpResponse<String> r = post("retired-only", false);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    JsonNode error = GatewayHarness.json(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_model_not_found");
    assertThat(error.path("type").asText()).isEqualTo("upstream_error");
    assertThat(r.body()).doesNotContain("gone-model").doesNotContain("does not exist");
    assertThat(mock.attempts("gone-model")).isEqualTo(1);
  }

  @Test
  void anAnthropicBillingErrorFailsOverAndCountsAgainstTheTarget() throws Exception {
    mock.faults().set("claude-billed", "status:402");

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post("billing", false);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    }
    assertThat(mock.attempts("claude-billed")).isEqualTo(4);
    assertThat(breakerState("claude/claude-billed")).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void anAnthropicBillingErrorAloneIsNotTheClientsQuota() throws Exception {
    mock.faults().set("claude-broke", "status:402");

    HttpResponse<String> chat = post("billing-only", false);
    HttpResponse<String> messages =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"billing-only\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");

    assertThat(chat.statusCode()).isEqualTo(502);
    JsonNode error = GatewayHarness.json(chat.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_quota_exhausted");
    assertThat(chat.body()).doesNotContain("insufficient_quota").doesNotContain("credit balance");
    // Anthropic's door: Anthropic's shape, a server-side error, not the client's billing.
    assertThat(messages.statusCode()).isEqualTo(502);
    JsonNode anthropicError = GatewayHarness.json(messages.body());
    assertThat(anthropicError.path("type").asText()).isEqualTo("error");
    assertThat(anthropicError.path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(messages.body()).doesNotContain("billing_error").doesNotContain("credit balance");
  }

  @Test
  void anAccountOutOfCreditFailsOverAtOnceAndOpensTheBreaker() throws Exception {
    mock.faults().set("broke-model", "status:429;code=insufficient_quota");

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post("no-credit", false);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("gpt-4o-mini");
    }
    // The policy retries a rate-limited target 3 times; an empty account is tried once.
    assertThat(mock.attempts("broke-model")).isEqualTo(4);
    assertThat(breakerState("mock/broke-model")).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void anAccountOutOfCreditAloneIsNotARateLimitToRetryLater() throws Exception {
    mock.faults().set("empty-model", "status:429;code=insufficient_quota");

    HttpResponse<String> r = post("no-credit-only", false);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    JsonNode error = GatewayHarness.json(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_quota_exhausted");
    assertThat(error.path("message").asText()).doesNotContainIgnoringCase("retry later");
    assertThat(r.headers().firstValue("retry-after")).isEmpty();
    assertThat(mock.attempts("empty-model")).isEqualTo(1);
  }

  @Test
  void anOutOfCreditErrorEventBeforeAnyChunkFailsOverAtOnceAndOpensTheBreaker() throws Exception {
    // OpenAI's insufficient_quota as the first event of a stream, not as a 429.
    mock.faults().set("dry-model", "stream-error:0;code=insufficient_quota");

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post("no-credit-stream", true);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("gpt-4o-mini");
    }
    // Not a server error to retry on the same target (the policy allows 3 attempts).
    assertThat(mock.attempts("dry-model")).isEqualTo(4);
    assertThat(breakerState("mock/dry-model")).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void anOutOfCreditErrorEventAloneIsTheQuotaExhausted502() throws Exception {
    mock.faults().set("drained-model", "stream-error:0;code=insufficient_quota");

    HttpResponse<String> r = post("no-credit-stream-only", true);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    JsonNode error = GatewayHarness.json(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_quota_exhausted");
    assertThat(r.body()).doesNotContain("You exceeded your current quota");
    assertThat(mock.attempts("drained-model")).isEqualTo(1);
  }

  private static HttpResponse<String> post(String route, boolean stream) throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat(route, stream));
  }

  private static CircuitBreaker.State breakerState(String target) {
    return gateway.server().resilience().breakerState(target).orElseThrow();
  }
}
