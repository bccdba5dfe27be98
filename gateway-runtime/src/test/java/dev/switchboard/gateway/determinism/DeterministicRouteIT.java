package dev.switchboard.gateway.determinism;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.drift.DriftInjection;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deterministic contract end to end through a real gateway and real mock providers: seed
 * injection and {@code requireSeed}, the headers every answer on such a route carries, target
 * pinning (no spread, no canary split, failover only to the identical model), an unhonoured seed
 * said in a header, a silent fingerprint change counted, and the admin port's drift endpoint that
 * reaches one named target (a rule's too) while the public port offers no such thing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeterministicRouteIT {

  @TempDir static Path dir;

  static MockProvider primary;
  static MockProvider secondary;
  static GatewayHarness gateway;

  /** {@code p} with the exact response cache on. */
  static RoutingTable.Policy cached(RoutingTable.Policy p) {
    return new RoutingTable.Policy(
        p.name(),
        p.strategy(),
        p.latencyObjectiveTtftP95Ms(),
        p.schedule(),
        p.retry(),
        p.requireSameCapabilities(),
        p.circuitBreaker(),
        p.rateLimits(),
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null),
        p.deterministic(),
        p.loggingBodies());
  }

  static RoutingTable.Policy policy(String name, RoutingTable.Deterministic deterministic) {
    return new RoutingTable.Policy(
        name,
        "weighted",
        null,
        List.of(),
        new RoutingTable.Retry(1, 10L, 100L, 2.0, "none", null, true, 1.0, 1000, null),
        true,
        null,
        List.of(),
        null,
        deterministic,
        null);
  }

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(
                new MockProviderOptions().keys("sk-a").systemFingerprint("fp_one"),
                new MockProviderOptions().keys("sk-b").systemFingerprint("fp_two")),
            (vertx, mocks) -> table(mocks.get(0), mocks.get(1)),
            Map.of("pa", "sk-a", "pb", "sk-b", "pc", "sk-b", "po", "sk-a"));
    primary = gateway.mock(0);
    secondary = gateway.mock(1);
  }

  /**
   * Providers pa on {@code primary}, pb and pc (Anthropic) on {@code secondary}; a route a case.
   */
  static RoutingTable table(MockProvider primary, MockProvider secondary) {
    // pa/m1 and pb/m2 share priority 0 (a weighted spread would use both); pb/m1 is the same
    // model one priority lower.
    RoutingTable.Target[] pool = {
      target("pa", "m1", 0), target("pb", "m2", 0), target("pb", "m1", 1)
    };
    return TestTables.table(
        List.of(
            provider("pa", primary.baseUrl(), true),
            provider("pb", secondary.baseUrl(), true),
            provider("pc", "anthropic", secondary.baseUrl(), true, Map.of(), null),
            // OpenAI proper: it serves the Responses API natively.
            provider("po", "openai", primary.baseUrl(), true, Map.of(), null)),
        List.of(
            policy("det", new RoutingTable.Deterministic(true, 42L, true, false)),
            policy("strict", new RoutingTable.Deterministic(true, 42L, true, true)),
            policy("loose", null),
            cached(policy("det-cached", new RoutingTable.Deterministic(true, 42L, true, false)))),
        List.of(
            policyRoute("det", "det", pool),
            policyRoute("strict", "strict", target("pa", "m1", 0)),
            policyRoute("loose", "loose", pool),
            policyRoute("anthropic", "det", target("pc", "claude-x", 0)),
            policyRoute("anthropic-cached", "det-cached", target("pc", "claude-x", 0)),
            policyRoute("det-openai", "det", target("po", "m1", 0)),
            policyRoute("loose-openai", "loose", target("po", "m1", 0)),
            // Legal requests (metadata task=legal) go to pb/m3 instead of pa/m1.
            new RoutingTable.Route(
                "det-rules",
                "det-rules",
                List.of(),
                "det",
                1,
                List.of(target("pa", "m1", 0)),
                List.of(
                    new RoutingTable.Rule(
                        Map.of(), List.of(target("pb", "m3", 0)), Map.of("task", "legal"), null)),
                null),
            new RoutingTable.Route(
                "det-canary",
                "det-canary",
                List.of(),
                "det",
                2,
                List.of(target("pa", "m1", 0)),
                List.of(),
                new RoutingTable.Canary(
                    "split", 99, 1, List.of(target("pb", "m2", 0)), List.of()))));
  }

  @AfterEach
  void heal() {
    primary.reset();
    secondary.reset();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static String chat(String model, Long seed, String system, String user) {
    ObjectNode body = GatewayHarness.JSON.createObjectNode().put("model", model);
    if (seed != null) {
      body.put("seed", seed);
    }
    body.put("temperature", 0.0);
    var messages = body.putArray("messages");
    if (system != null) {
      messages.addObject().put("role", "system").put("content", system);
    }
    messages.addObject().put("role", "user").put("content", user);
    return body.toString();
  }

  static String header(HttpResponse<String> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  static String content(HttpResponse<String> r) throws Exception {
    JsonNode body = GatewayHarness.json(r.body());
    return body.path("choices").path(0).path("message").path("content").asText();
  }

  @Test
  void theConfiguredSeedIsInjectedAndEveryAnswerSaysWhatProducedIt() throws Exception {
    HttpResponse<String> r =
        gateway.post("/v1/chat/completions", chat("det", null, "Be exact.", "What is 2+2?"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(content(r)).endsWith("(seed 42)"); // the mock echoes the seed it was sent
    assertThat(header(r, "x-switchboard-seed")).isEqualTo("42");
    assertThat(header(r, "x-switchboard-system-prompt-hash"))
        .isEqualTo(SystemPromptHash.sha256Hex("Be exact.\n"));
    assertThat(header(r, "x-switchboard-model-version")).isEqualTo("m1");
    assertThat(header(r, "x-switchboard-system-fingerprint")).isEqualTo("fp_one");
    assertThat(header(r, "x-switchboard-config-version")).isNotBlank();
    assertThat(header(r, "x-switchboard-unhonoured-params")).isNull();
  }

  @Test
  void theOpenAiSdkSeesTheHeadersOnJsonAndStreamedAnswers() throws Exception {
    com.openai.client.OpenAIClient sdk =
        com.openai.client.okhttp.OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-application-key")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
    var params =
        com.openai.models.chat.completions.ChatCompletionCreateParams.builder()
            .model("det")
            .addSystemMessage("Answer in French.")
            .addUserMessage("Hello")
            .temperature(0.0)
            .build();

    var raw = sdk.chat().completions().withRawResponse().create(params);
    var completion = raw.parse();
    var rawStream = sdk.chat().completions().withRawResponse().createStreaming(params);
    StringBuilder streamed = new StringBuilder();
    try (var stream = rawStream.parse()) {
      stream.stream()
          .forEach(
              c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
    }

    String hash = SystemPromptHash.sha256Hex("Answer in French.\n");
    assertThat(completion.choices().get(0).message().content())
        .hasValueSatisfying(t -> assertThat(t).endsWith("(seed 42)"));
    assertThat(completion.model()).isEqualTo("m1");
    for (var headers : List.of(raw.headers(), rawStream.headers())) {
      assertThat(headers.values("x-switchboard-seed")).containsExactly("42");
      assertThat(headers.values("x-switchboard-system-prompt-hash")).containsExactly(hash);
      assertThat(headers.values("x-switchboard-model-version")).containsExactly("m1");
      assertThat(headers.values("x-switchboard-config-version")).hasSize(1);
    }
    assertThat(raw.headers().values("x-switchboard-system-fingerprint")).isNotEmpty();
    // Same seed, same prompt: the streamed text is the JSON answer's text.
    assertThat(streamed.toString())
        .isEqualTo(completion.choices().get(0).message().content().get());
  }

  @Test
  void aClientSeedIsKeptAndRequireSeedRefusesARequestWithoutOne() throws Exception {
    HttpResponse<String> own =
        gateway.post("/v1/chat/completions", chat("det", 7L, null, "What is 2+2?"));
    HttpResponse<String> refused =
        gateway.post("/v1/chat/completions", chat("strict", null, null, "What is 2+2?"));
    HttpResponse<String> accepted =
        gateway.post("/v1/chat/completions", chat("strict", 9L, null, "What is 2+2?"));

    assertThat(content(own)).endsWith("(seed 7)");
    assertThat(header(own, "x-switchboard-seed")).isEqualTo("7");
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonNode error = GatewayHarness.json(refused.body()).path("error");
    assertThat(error.path("param").asText()).isEqualTo("seed");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(header(accepted, "x-switchboard-seed")).isEqualTo("9");
  }

  @Test
  void aSeedThatIsNoIntegerIsRefusedAsOpenAiRefusesIt() throws Exception {
    // Forwarded, "42" was sent upstream while the answer said x-switchboard-seed: none.
    Map<String, String> given =
        Map.of("\"42\"", "a string", "4.2", "a decimal number", "true", "a boolean");
    for (Map.Entry<String, String> seed : given.entrySet()) {
      for (String route : List.of("det", "loose")) {
        String body =
            chat(route, null, null, "What is 2+2?")
                .replaceFirst("\\{", "{\"seed\":" + seed.getKey() + ",");

        HttpResponse<String> r = gateway.post("/v1/chat/completions", body);

        assertThat(r.statusCode()).as(route + " " + seed.getKey()).isEqualTo(400);
        JsonNode error = GatewayHarness.json(r.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo("seed");
        assertThat(error.path("code").asText()).isEqualTo("invalid_type");
        assertThat(error.path("message").asText())
            .isEqualTo(
                "Invalid type for 'seed': expected an integer, but got "
                    + seed.getValue()
                    + " instead.");
      }
    }
    assertThat(primary.totalAttempts() + secondary.totalAttempts()).isZero();
  }

  @Test
  void aPinnedRouteNeitherSpreadsNorSplitsWhereAPlainOneDoes() throws Exception {
    int plainOnM2 = 0;
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> pinned =
          gateway.post("/v1/chat/completions", chat("det", null, null, "q" + i));
      assertThat(header(pinned, "x-switchboard-provider")).isEqualTo("pa");
      assertThat(header(pinned, "x-switchboard-target-model")).isEqualTo("m1");
      HttpResponse<String> canary =
          gateway.post("/v1/chat/completions", chat("det-canary", null, null, "q" + i));
      assertThat(header(canary, "x-switchboard-target-model")).isEqualTo("m1");
      assertThat(header(canary, "x-switchboard-arm")).isNull();
      HttpResponse<String> plain =
          gateway.post("/v1/chat/completions", chat("loose", null, null, "q" + i));
      if ("m2".equals(header(plain, "x-switchboard-target-model"))) {
        plainOnM2++;
      }
      assertThat(header(plain, "x-switchboard-seed")).isNull();
    }
    // The same pool without the contract spreads (a fair coin lands on m2 40 times in 40 with
    // probability 1e-12 the other way round, so this cannot pass by chance either way).
    assertThat(plainOnM2).isPositive();
  }

  @Test
  @Order(Integer.MAX_VALUE) // its failures may leave pa/m1 cooling down for the other tests
  void aPinnedRouteFailsOverOnlyToTheIdenticalModel() throws Exception {
    primary.faults().add("m1", "status:503", dev.switchboard.mock.fault.FaultRules.UNLIMITED);

    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r =
          gateway.post("/v1/chat/completions", chat("det", null, null, "fail " + i));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "x-switchboard-provider")).isEqualTo("pb");
      assertThat(header(r, "x-switchboard-target-model")).isEqualTo("m1");
    }
  }

  @Test
  void aSeedTheProviderDoesNotHonourIsSaid() throws Exception {
    HttpResponse<String> r =
        gateway.post("/v1/chat/completions", chat("anthropic", null, null, "Hello"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(header(r, "x-switchboard-seed")).isEqualTo("42");
    assertThat(header(r, "x-switchboard-unhonoured-params")).isEqualTo("seed");
  }

  @Test
  void aCachedAnswerStillSaysItsProviderDidNotHonourTheSeed() throws Exception {
    String body = chat("anthropic-cached", null, null, "Hello from the cache");
    HttpResponse<String> miss = gateway.post("/v1/chat/completions", body);
    HttpResponse<String> hit = gateway.post("/v1/chat/completions", body);

    assertThat(header(miss, "x-switchboard-cache")).isEqualTo("miss");
    assertThat(header(miss, "x-switchboard-unhonoured-params")).isEqualTo("seed");
    // The stored answer is Anthropic's, which honours no seed: served again, it still says so.
    assertThat(header(hit, "x-switchboard-cache")).isEqualTo("hit");
    assertThat(header(hit, "x-switchboard-seed")).isEqualTo("42");
    assertThat(header(hit, "x-switchboard-unhonoured-params")).isEqualTo("seed");
  }

  /**
   * The Responses API has no {@code seed}, so passing a deterministic Responses request through to
   * OpenAI would drop the seed the answer claims. It is bridged through chat completions (which has
   * one) instead; a request only the Responses API can carry goes natively and says the seed was
   * not honoured. Either way the upstream body and the answer's headers agree.
   */
  @Test
  void aResponsesRequestToOpenAiCarriesTheSeedItsAnswerClaims() throws Exception {
    HttpResponse<String> bridged =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"det-openai\",\"instructions\":\"Be exact.\",\"input\":\"2+2?\"}");
    var sent = lastRequest(primary);

    assertThat(bridged.statusCode()).as(bridged.body()).isEqualTo(200);
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    assertThat(sent.body().getValue("seed")).isEqualTo(42);
    assertThat(header(bridged, "x-switchboard-seed")).isEqualTo("42");
    assertThat(header(bridged, "x-switchboard-unhonoured-params")).isNull();
    assertThat(header(bridged, "x-switchboard-system-prompt-hash"))
        .isEqualTo(SystemPromptHash.sha256Hex("Be exact.\n"));
    JsonNode response = GatewayHarness.json(bridged.body());
    assertThat(response.path("object").asText()).isEqualTo("response");
    assertThat(response.path("output").path(0).path("content").path(0).path("text").asText())
        .endsWith("(seed 42)");

    // 'store': true needs the provider that keeps responses: sent natively, without a seed.
    HttpResponse<String> stored =
        gateway.post(
            "/v1/responses", "{\"model\":\"det-openai\",\"input\":\"2+2?\",\"store\":true}");
    var native_ = lastRequest(primary);

    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertThat(native_.path()).isEqualTo("/v1/responses");
    assertThat(native_.body().containsKey("seed")).isFalse();
    assertThat(header(stored, "x-switchboard-unhonoured-params")).isEqualTo("seed");
  }

  /**
   * A client's own {@code seed} on {@code /v1/responses} (a gateway extension: the Responses API
   * has none) is the request's seed as on chat completions — the client's wins over the policy's,
   * and it satisfies {@code requireSeed} — and never reaches the Responses API, which refuses a
   * field it does not know (the mock, like OpenAI, answers 400 {@code unknown_parameter}).
   */
  @Test
  void aClientSeedOnResponsesIsTheSeedAndNeverReachesTheResponsesApi() throws Exception {
    HttpResponse<String> own =
        gateway.post("/v1/responses", "{\"model\":\"det-openai\",\"input\":\"2+2?\",\"seed\":7}");
    var bridged = lastRequest(primary);
    HttpResponse<String> required =
        gateway.post("/v1/responses", "{\"model\":\"strict\",\"input\":\"2+2?\",\"seed\":9}");

    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(bridged.path()).isEqualTo("/v1/chat/completions");
    assertThat(bridged.body().getValue("seed")).isEqualTo(7);
    assertThat(header(own, "x-switchboard-seed")).isEqualTo("7");
    assertThat(
            GatewayHarness.json(own.body())
                .path("output")
                .path(0)
                .path("content")
                .path(0)
                .path("text")
                .asText())
        .endsWith("(seed 7)");
    assertThat(required.statusCode()).as(required.body()).isEqualTo(200);
    assertThat(header(required, "x-switchboard-seed")).isEqualTo("9");

    // Only the Responses API can carry it: sent natively without the seed, and said so.
    HttpResponse<String> stored =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"det-openai\",\"input\":\"2+2?\",\"store\":true,\"seed\":7}");
    var storedSent = lastRequest(primary);
    // No deterministic contract: a Responses target gets the request without it.
    HttpResponse<String> loose =
        gateway.post("/v1/responses", "{\"model\":\"loose-openai\",\"input\":\"2+2?\",\"seed\":7}");
    var looseSent = lastRequest(primary);

    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertThat(storedSent.path()).isEqualTo("/v1/responses");
    assertThat(storedSent.body().containsKey("seed")).isFalse();
    assertThat(header(stored, "x-switchboard-seed")).isEqualTo("7");
    assertThat(header(stored, "x-switchboard-unhonoured-params")).isEqualTo("seed");
    assertThat(loose.statusCode()).as(loose.body()).isEqualTo(200);
    assertThat(looseSent.path()).isEqualTo("/v1/responses");
    assertThat(looseSent.body().containsKey("seed")).isFalse();
  }

  @Test
  void aResponsesSeedThatIsNoIntegerIsRefusedAsOnChatCompletions() throws Exception {
    for (String route : List.of("det-openai", "loose-openai")) {
      HttpResponse<String> r =
          gateway.post(
              "/v1/responses", "{\"model\":\"" + route + "\",\"input\":\"2+2?\",\"seed\":\"7\"}");

      assertThat(r.statusCode()).as(route).isEqualTo(400);
      JsonNode error = GatewayHarness.json(r.body()).path("error");
      assertThat(error.path("param").asText()).isEqualTo("seed");
      assertThat(error.path("code").asText()).isEqualTo("invalid_type");
      assertThat(error.path("message").asText())
          .isEqualTo("Invalid type for 'seed': expected an integer, but got a string instead.");
    }
    assertThat(primary.totalAttempts()).isZero();
  }

  static dev.switchboard.mock.record.RequestRecord lastRequest(MockProvider mock) {
    var all = mock.requests();
    return all.get(all.size() - 1);
  }

  @Test
  void aSilentFingerprintChangeIsCountedForTheTarget() throws Exception {
    gateway.post("/v1/chat/completions", chat("strict", 1L, null, "before"));
    primary.drift().set(new DriftInjection.Settings("fp_swapped", 0, List.of()));

    HttpResponse<String> after =
        gateway.post("/v1/chat/completions", chat("strict", 1L, null, "after"));

    assertThat(header(after, "x-switchboard-system-fingerprint")).isEqualTo("fp_swapped");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(gateway.admin("/metrics").body())
                    .contains("switchboard_model_version_changes_total{target=\"pa/m1\"} 1.0")
                    .containsPattern(
                        "switchboard_model_version_change\\{[^}]*from_fingerprint=\"fp_one\""
                            + "[^}]*target=\"pa/m1\"[^}]*to_fingerprint=\"fp_swapped\""));
  }

  @Test
  void theAdminDriftEndpointReachesOneNamedTargetAndThePublicPortHasNone() throws Exception {
    HttpResponse<String> m2 = drift("det", "pb/m2");
    // A rule's target is reachable too, though the drift prompt does not match the rule.
    HttpResponse<String> ruleTarget = drift("det-rules", "pb/m3");
    HttpResponse<String> unknown = drift("det", "pz/m9");
    HttpResponse<String> noHeader = drift("det", null);
    // On the public port the header means nothing and the drift path does not exist.
    HttpResponse<String> publicWithHeader =
        gateway.post(
            "/v1/chat/completions", chat("det", null, null, "x"), "x-switchboard-target", "pb/m2");
    HttpResponse<String> publicDriftPath =
        gateway.post("/admin/drift/chat/completions", chat("det", null, null, "x"));

    assertThat(m2.statusCode()).isEqualTo(200);
    assertThat(header(m2, "x-switchboard-provider")).isEqualTo("pb");
    assertThat(header(m2, "x-switchboard-target-model")).isEqualTo("m2");
    assertThat(header(m2, "x-switchboard-seed")).isEqualTo("42");
    assertThat(ruleTarget.statusCode()).as(ruleTarget.body()).isEqualTo(200);
    assertThat(header(ruleTarget, "x-switchboard-provider")).isEqualTo("pb");
    assertThat(header(ruleTarget, "x-switchboard-target-model")).isEqualTo("m3");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(noHeader.statusCode()).isEqualTo(400);
    assertThat(header(publicWithHeader, "x-switchboard-target-model")).isEqualTo("m1");
    assertThat(publicDriftPath.statusCode()).isEqualTo(404);
  }

  @Test
  void aDriftCheckOnARouteThatRequiresASeedTakesThePolicysSeed() throws Exception {
    // The operator's drift requests carry no seed: requireSeed is for clients, and refusing the
    // operator would leave every drift run of such a policy unreachable.
    HttpResponse<String> checked = drift("strict", "pa/m1");
    HttpResponse<String> client =
        gateway.post("/v1/chat/completions", chat("strict", null, null, "drift prompt"));

    assertThat(checked.statusCode()).as(checked.body()).isEqualTo(200);
    assertThat(header(checked, "x-switchboard-seed")).isEqualTo("42");
    assertThat(content(checked)).endsWith("(seed 42)");
    assertThat(client.statusCode()).isEqualTo(400);
  }

  static HttpResponse<String> drift(String model, String target) throws Exception {
    String body = chat(model, null, null, "drift prompt");
    String path = "/admin/drift/chat/completions";
    return target == null
        ? gateway.adminPost(path, body)
        : gateway.adminPost(path, body, "x-switchboard-target", target);
  }
}
