package dev.switchboard.gateway.cache;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.priced;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
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
 * A ProviderEndpoint change that changes what a target is — another base URL (another server),
 * another kind (another wire format and adapter), another API version — keeps the target's id
 * ({@code provider/model}), yet an answer cached from the old upstream is one the request could not
 * get from the target now configured: it is a miss. So is a change of the static headers it sends
 * (feature flags such as {@code anthropic-beta}, {@code OpenAI-Beta}), but not of a credential
 * header. A change that does not change the answer (a key rotation, timeouts, prices) keeps every
 * cached answer: a flush costs provider spend. Another model at a target is another target id, a
 * miss already.
 */
class CacheTargetIdentityIT {

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider first;
  static MockProvider second;

  @BeforeAll
  static void start() throws Exception {
    MockProviderOptions options =
        new MockProviderOptions()
            .keys("sk-provider", "sk-rotated")
            .models("identity-model", "other-model");
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(options, options),
            (vertx, mocks) -> {
              first = mocks.get(0);
              second = mocks.get(1);
              return table(endpoint("openai-compatible", first.baseUrl(), null), "identity-model");
            },
            Map.of("mock", "sk-provider"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void original() throws Exception {
    gateway.writeKey("mock", "sk-provider");
    load(table(endpoint("openai-compatible", first.baseUrl(), null), "identity-model"));
  }

  /** The endpoint {@code mock} of {@code kind} at {@code baseUrl}, in API version {@code api}. */
  static RoutingTable.Provider endpoint(String kind, String baseUrl, String api) {
    return endpoint(kind, baseUrl, api, Map.of(), null, Map.of());
  }

  static RoutingTable.Provider endpoint(
      String kind,
      String baseUrl,
      String api,
      Map<String, String> headers,
      RoutingTable.Timeouts timeouts,
      Map<String, RoutingTable.Model> models) {
    return new RoutingTable.Provider(
        "mock", kind, baseUrl, true, api, headers, timeouts, null, null, null, models);
  }

  /** The route {@code identity}, exact cache, on {@code model} at {@code provider}. */
  static RoutingTable table(RoutingTable.Provider provider, String model) {
    RoutingTable.Cache exact =
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null);
    return RoutingTableCodec.versioned(
        new RoutingTable(
            RoutingTable.SCHEMA_VERSION,
            null,
            "test",
            Map.of("mock", provider),
            Map.of("exact", cachePolicy("exact", exact)),
            List.of(policyRoute("identity", "exact", target("mock", model, 0)))));
  }

  static void load(RoutingTable table) throws Exception {
    gateway.writeTable(table);
    gateway.awaitConfigVersion(RoutingTableCodec.configVersionOf(table));
  }

  static String ask(String question) throws Exception {
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"identity\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
                + "\"content\":\""
                + question
                + "\"}]}",
            "authorization",
            "Bearer sk-tenant");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("x-switchboard-cache").orElse("none");
  }

  static long attempts() {
    return first.attempts("identity-model") + second.attempts("identity-model");
  }

  @Test
  void anotherBaseUrlDoesNotServeTheOldServersAnswers() throws Exception {
    assertThat(ask("Which server answers?")).isEqualTo("miss");
    assertThat(ask("Which server answers?")).isEqualTo("hit");

    load(table(endpoint("openai-compatible", second.baseUrl(), null), "identity-model"));
    long before = second.attempts("identity-model");
    assertThat(ask("Which server answers?")).isEqualTo("miss");
    assertThat(second.attempts("identity-model") - before).isEqualTo(1);
    assertThat(ask("Which server answers?")).isEqualTo("hit");

    // Back on the first server: what it answered is its answer again (nothing was flushed).
    load(table(endpoint("openai-compatible", first.baseUrl(), null), "identity-model"));
    long back = attempts();
    assertThat(ask("Which server answers?")).isEqualTo("hit");
    assertThat(attempts()).isEqualTo(back);
  }

  @Test
  void anotherKindOrApiVersionDoesNotServeTheOldAnswers() throws Exception {
    assertThat(ask("Which adapter answers?")).isEqualTo("miss");

    load(table(endpoint("openai", first.baseUrl(), null), "identity-model"));
    assertThat(ask("Which adapter answers?")).isEqualTo("miss");
    assertThat(ask("Which adapter answers?")).isEqualTo("hit");

    load(table(endpoint("openai", first.baseUrl(), "2025-01-01"), "identity-model"));
    assertThat(ask("Which adapter answers?")).isEqualTo("miss");
  }

  @Test
  void aChangeThatDoesNotChangeTheAnswerKeepsItsCachedAnswers() throws Exception {
    assertThat(ask("Does a key rotation flush?")).isEqualTo("miss");
    long before = attempts();

    gateway.writeKey("mock", "sk-rotated");
    load(
        table(
            endpoint(
                "openai-compatible",
                first.baseUrl(),
                null,
                Map.of(),
                new RoutingTable.Timeouts(2_000L, 20_000L, 60_000L, 10_000L),
                Map.of("identity-model", priced(1.0, 2.0))),
            "identity-model"));
    assertThat(ask("Does a key rotation flush?")).isEqualTo("hit");
    assertThat(attempts()).isEqualTo(before);
  }

  @Test
  void anotherStaticHeaderDoesNotServeTheAnswersMadeWithoutIt() throws Exception {
    assertThat(ask("Which feature flags answer?")).isEqualTo("miss");

    // A feature flag turned on: the old answer was made without it.
    load(table(withHeaders(Map.of("OpenAI-Beta", "assistants=v2")), "identity-model"));
    assertThat(ask("Which feature flags answer?")).isEqualTo("miss");
    assertThat(ask("Which feature flags answer?")).isEqualTo("hit");

    // Another value of it.
    load(table(withHeaders(Map.of("openai-beta", "assistants=v3")), "identity-model"));
    assertThat(ask("Which feature flags answer?")).isEqualTo("miss");

    // The same headers again (the name in another case, another order, a key rotation, a
    // credential header and the key header changed, which are not in the identity): a hit.
    long before = attempts();
    gateway.writeKey("mock", "sk-rotated");
    Map<String, String> same = new java.util.LinkedHashMap<>();
    same.put("x-api-key", "sk-static-other");
    same.put("Ocp-Apim-Subscription-Key", "sub-other");
    same.put("OPENAI-BETA", "assistants=v3");
    load(table(withHeaders(same), "identity-model"));
    assertThat(ask("Which feature flags answer?")).isEqualTo("hit");
    assertThat(attempts()).isEqualTo(before);

    // Back to no static headers: the first answer is served again (nothing was flushed).
    load(table(endpoint("openai-compatible", first.baseUrl(), null), "identity-model"));
    assertThat(ask("Which feature flags answer?")).isEqualTo("hit");
    assertThat(attempts()).isEqualTo(before);
  }

  static RoutingTable.Provider withHeaders(Map<String, String> headers) {
    return endpoint("openai-compatible", first.baseUrl(), null, headers, null, Map.of());
  }

  @Test
  void anotherModelAtTheTargetIsAnotherTargetAlready() throws Exception {
    assertThat(ask("Which model answers?")).isEqualTo("miss");

    load(table(endpoint("openai-compatible", first.baseUrl(), null), "other-model"));
    long before = first.attempts("other-model");
    assertThat(ask("Which model answers?")).isEqualTo("miss");
    assertThat(first.attempts("other-model") - before).isEqualTo(1);
  }
}
