package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.InternalServerException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
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
import java.time.Duration;
import java.util.ArrayList;
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
 * gateway lists, not "your quota", no internal model names). An account out of credit holds back
 * every target of its provider; a missing model or endpoint only its own target.
 */
class TargetUnusableIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> keys = new java.util.HashMap<>();
    for (String provider : PROVIDERS) {
      keys.put(provider, "sk-m");
    }
    gateway =
        GatewayHarness.withMock(
            dir, new MockProviderOptions().keys("sk-m"), TargetUnusableIT::table, keys);
    mock = gateway.mock();
  }

  /**
   * Each test's broken account is a provider of its own: an account out of credit holds back every
   * target of its provider, which must not leak into the other tests.
   */
  static final List<String> PROVIDERS =
      List.of(
          "mock",
          "claude",
          "claude-broke",
          "claude-credit",
          "claude-credit-only",
          "claude-dry",
          "claude-parched",
          "broke",
          "empty",
          "dry",
          "drained",
          "azure",
          "azure-only",
          "gem",
          "gem-only",
          "gem-unbilled",
          "gem-unbilled-only",
          "drought",
          "drought-only",
          "parched",
          "arid");

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    // Opens at 50 % failures once 4 calls are in the window.
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 5_000L, 4, 60_000L, 60_000L);
    List<RoutingTable.Provider> providers = new ArrayList<>();
    for (String name : PROVIDERS) {
      String kind =
          name.startsWith("claude")
              ? "anthropic"
              : name.startsWith("azure")
                  ? "azure-openai"
                  : name.startsWith("gem")
                      ? "gemini"
                      // OpenAI's own kind: it serves the Responses API, passed through.
                      : name.startsWith("drought") || name.startsWith("parched")
                          ? "openai"
                          : "openai-compatible";
      String url =
          switch (kind) {
            case "azure-openai" -> mock.origin();
            case "gemini" -> mock.origin() + "/v1beta";
            default -> mock.baseUrl();
          };
      RoutingTable.Provider p =
          ResilienceTables.provider(name, url, timeouts, null, null, null, Map.of());
      providers.add(
          new RoutingTable.Provider(
              p.name(),
              kind,
              p.baseUrl(),
              p.hasKey(),
              p.apiVersion(),
              p.headers(),
              p.timeouts(),
              p.maxConcurrency(),
              p.maxResponseBytes(),
              p.quota(),
              p.healthCheck(),
              p.models()));
    }
    return TestTables.table(
        providers,
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
                target("claude", "claude-billed-too", 1),
                target("mock", "gpt-4o-mini", 2)),
            policyRoute("billing-only", "failover", target("claude-broke", "claude-broke", 0)),
            policyRoute(
                "credit",
                "failover",
                target("claude-credit", "claude-credit", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute(
                "credit-only", "failover", target("claude-credit-only", "claude-credit-only", 0)),
            policyRoute(
                "no-credit",
                "failover",
                target("broke", "broke-model", 0),
                target("broke", "broke-model-too", 1),
                target("mock", "gpt-4o-mini", 2)),
            policyRoute("no-credit-only", "failover", target("empty", "empty-model", 0)),
            policyRoute(
                "no-credit-stream",
                "failover",
                target("dry", "dry-model", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute("no-credit-stream-only", "failover", target("drained", "drained-model", 0)),
            policyRoute(
                "azure-404",
                "failover",
                target("azure", "lost-deployment", 0),
                target("azure", "kept-deployment", 1)),
            policyRoute("azure-404-only", "failover", target("azure-only", "gone-deployment", 0)),
            policyRoute(
                "per-day",
                "failover",
                target("gem", "gemini-day", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute("per-day-only", "failover", target("gem-only", "gemini-day-only", 0)),
            policyRoute(
                "unbilled",
                "failover",
                target("gem-unbilled", "gemini-unbilled", 0),
                target("gem-unbilled", "gemini-unbilled-too", 1),
                target("mock", "gpt-4o-mini", 2)),
            policyRoute(
                "unbilled-only",
                "failover",
                target("gem-unbilled-only", "gemini-unbilled-only", 0)),
            policyRoute(
                "created-then-no-credit",
                "failover",
                target("drought", "resp-dry", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute(
                "created-then-no-credit-only",
                "failover",
                target("drought-only", "resp-drained", 0)),
            policyRoute(
                "no-credit-mid-chat",
                "failover",
                target("arid", "chat-arid", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute(
                "claude-no-credit-stream",
                "failover",
                target("claude-dry", "claude-dry", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute(
                "claude-no-credit-mid-stream",
                "failover",
                target("claude-parched", "claude-parched", 0),
                target("mock", "gpt-4o-mini", 1)),
            policyRoute(
                "no-credit-mid-stream",
                "failover",
                target("parched", "resp-parched", 0),
                target("mock", "gpt-4o-mini", 1))));
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
    // No retry finds the model back: SDKs, which retry a 502 twice, are told not to.
    assertThat(r.headers().allValues("x-should-retry")).containsExactly("false");
    assertThat(r.headers().firstValue("retry-after")).isEmpty();
  }

  /**
   * The official SDK with its default two retries sends a request every target of which failed for
   * a lasting reason once: the provider sees one call, not three.
   */
  @Test
  void theOpenAiSdkDoesNotRetryAModelNoTargetServes() {
    mock.faults().set("gone-model", "status:404");
    OpenAIClient sdk =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .maxRetries(2)
            .timeout(Duration.ofSeconds(30))
            .build();
    try {
      assertThatThrownBy(
              () ->
                  sdk.chat()
                      .completions()
                      .create(
                          ChatCompletionCreateParams.builder()
                              .model("retired-only")
                              .addUserMessage("Say hi")
                              .build()))
          .isInstanceOfSatisfying(
              InternalServerException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(502);
                assertThat(e.code()).contains("upstream_model_not_found");
              });
    } finally {
      sdk.close();
    }
    assertThat(mock.attempts("gone-model")).isEqualTo(1);
  }

  @Test
  void anAnthropicBillingErrorHoldsBackEveryTargetOfItsAccount() throws Exception {
    mock.faults().set("claude-billed", "status:402");
    mock.faults().set("claude-billed-too", "status:402");

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post("billing", false);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    }
    // Credit is the account's: its other target is never tried, nor is the first one again.
    assertThat(mock.attempts("claude-billed")).isEqualTo(1);
    assertThat(mock.attempts("claude-billed-too")).isZero();
    assertThat(gateway.server().resilience().accountHeldMs("claude")).isPositive();
    // The operator's view: how long the account stays held back.
    assertThat(GatewayHarness.json(gateway.admin("/admin/config").body()).toString())
        .containsPattern("\"claude\":\\{[^}]*\"accountExhaustedForMs\":[1-9]");
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
    // Only a top-up helps, whenever it comes: no SDK retry (Anthropic's reads the same header),
    // no wait named — after the provider's answer and with the account held, nothing sent, alike.
    assertThat(chat.headers().allValues("x-should-retry")).containsExactly("false");
    assertThat(messages.headers().allValues("x-should-retry")).containsExactly("false");
    assertThat(messages.headers().firstValue("retry-after")).isEmpty();
    assertThat(mock.attempts("claude-broke")).isEqualTo(1);
  }

  @Test
  void anAccountOutOfCreditFailsOverAtOnceToAnotherProvider() throws Exception {
    mock.faults().set("broke-model", "status:429;code=insufficient_quota");
    mock.faults().set("broke-model-too", "status:429;code=insufficient_quota");

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post("no-credit", false);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("gpt-4o-mini");
    }
    // The policy retries a rate-limited target 3 times; an empty account is tried once, and its
    // provider's other target not at all: it would answer the same.
    assertThat(mock.attempts("broke-model")).isEqualTo(1);
    assertThat(mock.attempts("broke-model-too")).isZero();
    assertThat(gateway.server().resilience().accountHeldMs("broke")).isPositive();
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
    assertThat(r.headers().allValues("x-should-retry")).containsExactly("false");
    assertThat(mock.attempts("empty-model")).isEqualTo(1);
  }

  @Test
  void anOutOfCreditErrorEventBeforeAnyChunkFailsOverAtOnceAndHoldsTheAccount() throws Exception {
    // OpenAI's insufficient_quota as the first event of a stream, not as a 429.
    mock.faults().set("dry-model", "stream-error:0;code=insufficient_quota");

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post("no-credit-stream", true);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("gpt-4o-mini");
    }
    // Not a server error to retry on the same target (the policy allows 3 attempts), and the
    // account it stands for is held back for the requests after it.
    assertThat(mock.attempts("dry-model")).isEqualTo(1);
    assertThat(gateway.server().resilience().accountHeldMs("dry")).isPositive();
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
    assertThat(r.headers().allValues("x-should-retry")).containsExactly("false");
    assertThat(mock.attempts("drained-model")).isEqualTo(1);
  }

  @Test
  void anthropicsCreditBalanceTooLow400IsTheAccountNotTheClient() throws Exception {
    mock.faults().set("claude-credit", "status:400;code=credit_balance_too_low");
    mock.faults().set("claude-credit-only", "status:400;code=credit_balance_too_low");

    HttpResponse<String> failedOver = post("credit", false);
    HttpResponse<String> alone = post("credit-only", false);

    assertThat(failedOver.statusCode()).isEqualTo(200);
    assertThat(failedOver.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    assertThat(mock.attempts("claude-credit")).isEqualTo(1);
    assertThat(alone.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, alone.body())).isEmpty();
    JsonNode error = GatewayHarness.json(alone.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_quota_exhausted");
    assertThat(alone.body()).doesNotContain("credit balance");
    assertThat(mock.attempts("claude-credit-only")).isEqualTo(1);
  }

  @Test
  void azuresResourceNotFoundIsThatTargetsConfigurationNotTheClients404() throws Exception {
    mock.faults().set("lost-deployment", "status:404;code=404");
    mock.faults().set("gone-deployment", "status:404;code=404");

    HttpResponse<String> failedOver = post("azure-404", false);
    HttpResponse<String> alone = post("azure-404-only", false);

    // A target's endpoint, not its account: the provider's next target still serves.
    assertThat(failedOver.statusCode()).isEqualTo(200);
    assertThat(failedOver.headers().firstValue("x-switchboard-target-model"))
        .hasValue("kept-deployment");
    assertThat(mock.attempts("lost-deployment")).isEqualTo(1);
    assertThat(alone.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, alone.body())).isEmpty();
    JsonNode error = GatewayHarness.json(alone.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_endpoint_not_found");
    assertThat(alone.body()).doesNotContain("Resource not found").doesNotContain("gone-deployment");
    assertThat(mock.attempts("gone-deployment")).isEqualTo(1);
  }

  /**
   * Gemini's per-day quota (429 {@code RESOURCE_EXHAUSTED} naming a per-day quota) is no per-minute
   * limit to retry soon: the target is tried once, held back, and the request fails over; alone,
   * the client is told to come back when the hold ends (an hour, as Google named no longer delay;
   * not the policy's maxRetryAfter) and the next request is not sent.
   */
  @Test
  void aPerDayQuotaHoldsTheTargetBackAndFailsOver() throws Exception {
    mock.faults().set("gemini-day", "status:429;code=per-day");
    mock.faults().set("gemini-day-only", "status:429;code=per-day");

    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = post("per-day", false);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    }
    // The policy allows 3 attempts per target: a quota gone for the day gets one.
    assertThat(mock.attempts("gemini-day")).isEqualTo(1);

    HttpResponse<String> alone = post("per-day-only", false);
    assertThat(alone.statusCode()).isEqualTo(429);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, alone.body())).isEmpty();
    assertThat(alone.headers().firstValue("retry-after")).hasValue("3600");
    // An hour is past what SDKs wait on their own (openai-java would sleep it, twice): they are
    // told not to retry, and the application reads the wait.
    assertThat(alone.headers().allValues("x-should-retry")).containsExactly("false");
    HttpResponse<String> held = post("per-day-only", false);
    assertThat(held.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(held.headers().firstValue("retry-after-ms").orElseThrow()))
        .isGreaterThan(3_500_000L);
    assertThat(held.headers().allValues("x-should-retry")).containsExactly("false");
    assertThat(mock.attempts("gemini-day-only")).isEqualTo(1);
  }

  /**
   * Gemini's 400 {@code FAILED_PRECONDITION} ("Gemini API free tier is not available in your
   * country. Please enable billing …") says the gateway's project cannot use the API from where it
   * calls: not the client's request, and the same for every model of the provider. The request
   * fails over at once to another provider (the provider's second target is not tried), the account
   * is held back, and alone the client gets the gateway's 502, not a 400 blaming its request.
   */
  @Test
  void geminisFailedPreconditionIsTheAccountsFailureNotTheClients() throws Exception {
    mock.faults().set("gemini-unbilled", "status:400;code=failed-precondition");
    mock.faults().set("gemini-unbilled-too", "status:400;code=failed-precondition");
    mock.faults().set("gemini-unbilled-only", "status:400;code=failed-precondition");

    HttpResponse<String> failedOver = post("unbilled", false);
    assertThat(failedOver.statusCode()).isEqualTo(200);
    assertThat(failedOver.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    assertThat(mock.attempts("gemini-unbilled")).isEqualTo(1);
    assertThat(mock.attempts("gemini-unbilled-too")).isZero();
    assertThat(gateway.server().resilience().accountHeldMs("gem-unbilled")).isPositive();

    HttpResponse<String> alone = post("unbilled-only", false);
    assertThat(alone.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, alone.body())).isEmpty();
    assertThat(GatewayHarness.json(alone.body()).path("error").path("code").asText())
        .isEqualTo("upstream_quota_exhausted");
    assertThat(mock.attempts("gemini-unbilled-only")).isEqualTo(1);
  }

  /**
   * A Responses stream that opens with {@code response.created} and then says the account is out of
   * credit: the lifecycle events carry none of the answer, so nothing reached the client yet and
   * the request fails over (or, alone, gets the quota 502); the provider's account is held back.
   */
  @Test
  void aResponsesStreamOutOfCreditAfterResponseCreatedStillFailsOver() throws Exception {
    mock.faults().set("resp-dry", "stream-error:1;code=insufficient_quota");
    mock.faults().set("resp-drained", "stream-error:2;code=insufficient_quota");

    HttpResponse<String> failedOver = responses("created-then-no-credit");
    HttpResponse<String> alone = responses("created-then-no-credit-only");

    assertThat(failedOver.statusCode()).isEqualTo(200);
    assertThat(failedOver.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    assertThat(failedOver.body())
        .contains("response.completed")
        .doesNotContain("insufficient_quota")
        .doesNotContain("\"type\":\"error\"");
    assertThat(mock.attempts("resp-dry")).isEqualTo(1);
    assertThat(gateway.server().resilience().accountHeldMs("drought")).isPositive();
    assertThat(alone.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, alone.body())).isEmpty();
    assertThat(GatewayHarness.json(alone.body()).path("error").path("code").asText())
        .isEqualTo("upstream_quota_exhausted");
    // The Responses door tells the SDKs the same: no retry.
    assertThat(alone.headers().allValues("x-should-retry")).containsExactly("false");
    assertThat(gateway.server().resilience().accountHeldMs("drought-only")).isPositive();
  }

  /**
   * Once the answer began to reach the client a stream is never re-sent: an out-of-credit event
   * then ends it with one well-formed terminal error in the gateway's words, and the breaker and
   * the account hold learn of it, so the next request goes straight to another provider.
   */
  @Test
  void anOutOfCreditEventAfterTheAnswerBeganEndsTheStreamAndHoldsTheAccount() throws Exception {
    mock.faults().set("resp-parched", "stream-error:4;code=insufficient_quota");

    HttpResponse<String> cut = responses("no-credit-mid-stream");

    assertThat(cut.statusCode()).isEqualTo(200);
    assertThat(cut.headers().firstValue("x-switchboard-provider")).hasValue("parched");
    List<String> events =
        cut.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    JsonNode last = GatewayHarness.json(events.get(events.size() - 1));
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("code").asText()).isEqualTo("upstream_quota_exhausted");
    assertThat(cut.body()).doesNotContain("You exceeded your current quota");
    assertThat(gateway.server().resilience().accountHeldMs("parched")).isPositive();

    HttpResponse<String> next = responses("no-credit-mid-stream");
    assertThat(next.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    assertThat(mock.attempts("resp-parched")).isEqualTo(1);
  }

  /** The same for a chat stream: its chunks' {@code error} object says insufficient_quota. */
  @Test
  void anOutOfCreditChunkAfterTheAnswerBeganEndsTheChatStreamAndHoldsTheAccount() throws Exception {
    mock.faults().set("chat-arid", "stream-error:2;code=insufficient_quota");

    HttpResponse<String> cut = post("no-credit-mid-chat", true);

    assertThat(cut.headers().firstValue("x-switchboard-provider")).hasValue("arid");
    List<String> events =
        cut.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    String last = events.get(events.size() - 1);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, last)).isEmpty();
    assertThat(GatewayHarness.json(last).path("error").path("code").asText())
        .isEqualTo("upstream_quota_exhausted");
    assertThat(gateway.server().resilience().accountHeldMs("arid")).isPositive();
    assertThat(post("no-credit-mid-chat", true).headers().firstValue("x-switchboard-provider"))
        .hasValue("mock");
    assertThat(mock.attempts("chat-arid")).isEqualTo(1);
  }

  /**
   * Anthropic says its account is out of credit in a stream too, as an {@code error} event ({@code
   * billing_error}, or the "credit balance is too low" wording): as the first event the request
   * fails over at once and the account is held back, as after a 402.
   */
  @Test
  void anAnthropicBillingErrorEventBeforeAnyContentFailsOverAndHoldsTheAccount() throws Exception {
    mock.faults().set("claude-dry", "stream-error:0;code=billing_error");

    HttpResponse<String> r = post("claude-no-credit-stream", true);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    assertThat(r.body()).doesNotContain("billing_error");
    // Not a server error to retry on the same target (the policy allows 3 attempts).
    assertThat(mock.attempts("claude-dry")).isEqualTo(1);
    assertThat(gateway.server().resilience().accountHeldMs("claude-dry")).isPositive();
  }

  /** After the answer began: the terminal upstream_quota_exhausted, and the account held. */
  @Test
  void anAnthropicCreditTooLowEventAfterTheAnswerBeganEndsTheStreamAndHoldsTheAccount()
      throws Exception {
    mock.faults().set("claude-parched", "stream-error:4;code=credit_balance_too_low");

    HttpResponse<String> cut = post("claude-no-credit-mid-stream", true);

    assertThat(cut.headers().firstValue("x-switchboard-provider")).hasValue("claude-parched");
    List<String> events =
        cut.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    String last = events.get(events.size() - 1);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, last)).isEmpty();
    assertThat(GatewayHarness.json(last).path("error").path("code").asText())
        .isEqualTo("upstream_quota_exhausted");
    assertThat(cut.body()).doesNotContain("credit balance");
    assertThat(gateway.server().resilience().accountHeldMs("claude-parched")).isPositive();
    assertThat(
            post("claude-no-credit-mid-stream", true)
                .headers()
                .firstValue("x-switchboard-provider"))
        .hasValue("mock");
    assertThat(mock.attempts("claude-parched")).isEqualTo(1);
  }

  private static HttpResponse<String> responses(String route) throws Exception {
    return gateway.post(
        "/v1/responses", "{\"model\":\"" + route + "\",\"input\":\"Say hi\",\"stream\":true}");
  }

  private static HttpResponse<String> post(String route, boolean stream) throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat(route, stream));
  }

  private static CircuitBreaker.State breakerState(String target) {
    return gateway.server().resilience().breakerState(target).orElseThrow();
  }
}
