package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import dev.switchboard.mock.record.RequestRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole system as a user runs it: the local stack applies {@code config-samples/local}, an
 * application calls it with the official OpenAI Java SDK, and an operator of the system edits the
 * config directory. Every response body is checked as OpenAI's wire format ({@link
 * OpenAiWireFormat}: the SDK's models, plus the OpenAPI document when one is given).
 */
class LocalStackIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  static LocalSamples samples;
  static Path configDir;
  static LocalStack stack;
  static OpenAIClient sdk;
  static HttpClient http;
  static final List<String> console = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    samples = LocalSamples.create();
    configDir = samples.dir;
    stack =
        samples.start(
            samples
                .options()
                .withKubeconfigOut(
                    configDir.resolveSibling(configDir.getFileName() + ".kubeconfig")),
            console::add);
    sdk =
        OpenAIOkHttpClient.builder()
            .baseUrl(stack.baseUrl())
            .apiKey("sk-application")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    if (sdk != null) {
      sdk.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  /** Every test starts from the samples as shipped, with healthy providers. */
  @BeforeEach
  void restoreSamples() throws Exception {
    samples.restore();
    stack.applier().sync();
    stack.mock(samples.primary).faults().clearAll();
    stack.mock(samples.primary).setKeys("sk-local-primary");
    // A previous test's faults may have opened the primary's circuit breaker: the local policy
    // keeps it open for 10 s, then half-open probes close it again.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(servedBy("chat-default")).isEqualTo("local-primary"));
  }

  @AfterEach
  void clearFaults() {
    stack.mock(samples.primary).faults().clearAll();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(stack.baseUrl() + path))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer sk-application")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String chatBody(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
  }

  /** The provider that answered one chat request (asserting the answer is a valid completion). */
  private static String servedBy(String model) throws Exception {
    HttpResponse<String> response = post("/chat/completions", chatBody(model));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(OpenAiWireFormat.problems(Body.CHAT_COMPLETION, response.body())).isEmpty();
    return response.headers().firstValue("x-switchboard-provider").orElseThrow();
  }

  @Test
  void chatStreamEmbeddingsAndModelsThroughTheOfficialSdk() throws Exception {
    HttpResponseFor<ChatCompletion> raw =
        sdk.chat()
            .completions()
            .withRawResponse()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-4o")
                    .addUserMessage("Hello from the SDK")
                    .build());
    ChatCompletion completion = raw.parse();
    assertThat(completion.choices().get(0).message().content())
        .hasValueSatisfying(text -> assertThat(text).contains("Hello from the SDK"));
    assertThat(completion.model()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(raw.headers().values("x-switchboard-route")).containsExactly("chat-default");

    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        sdk.chat()
            .completions()
            .createStreaming(
                ChatCompletionCreateParams.builder()
                    .model("chat-default")
                    .addUserMessage("Stream please")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream().forEach(chunks::add);
    }
    StringBuilder text = new StringBuilder();
    chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
    assertThat(text.toString()).contains("Stream please");
    assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();

    CreateEmbeddingResponse embeddings =
        sdk.embeddings()
            .create(
                EmbeddingCreateParams.builder()
                    .model("text-embedding-3-small")
                    .input("embed me")
                    .build());
    assertThat(embeddings.data())
        .singleElement()
        .satisfies(e -> assertThat(e.embedding()).isNotEmpty());

    List<String> models = sdk.models().list().data().stream().map(Model::id).toList();
    assertThat(models).contains("chat-default", "gpt-4o", "text-embedding-3-small");
  }

  @Test
  void everyAnswerIsOpenAisWireFormat() throws Exception {
    HttpResponse<String> chat = post("/chat/completions", chatBody("chat-default"));
    assertThat(OpenAiWireFormat.problems(Body.CHAT_COMPLETION, chat.body())).isEmpty();

    HttpResponse<String> stream =
        post(
            "/chat/completions",
            "{\"model\":\"chat-default\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    List<String> events =
        stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    assertThat(events).last().isEqualTo("[DONE]");
    events.stream()
        .filter(e -> !e.equals("[DONE]"))
        .forEach(
            e -> assertThat(OpenAiWireFormat.problems(Body.CHAT_COMPLETION_CHUNK, e)).isEmpty());

    HttpResponse<String> embeddings =
        post("/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}");
    assertThat(OpenAiWireFormat.problems(Body.EMBEDDINGS, embeddings.body())).isEmpty();

    HttpResponse<String> models =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/models")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(OpenAiWireFormat.problems(Body.MODELS, models.body())).isEmpty();

    HttpResponse<String> unknown = post("/chat/completions", chatBody("no-such-model"));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, unknown.body())).isEmpty();
  }

  @Test
  void anAzureDeploymentIsCalledInItsOwnUrlShapeWithItsOwnKeyHeader() throws Exception {
    assertThat(servedBy("chat-azure")).isEqualTo("local-azure");

    // The last chat call, not the last request: the samples probe the mock's health every 5 s.
    List<RequestRecord> chats =
        stack.mock(samples.azure).requests().stream()
            .filter(r -> "POST".equals(r.method()) && r.path().endsWith("/chat/completions"))
            .toList();
    assertThat(chats).isNotEmpty();
    RequestRecord seen = chats.get(chats.size() - 1);
    assertThat(seen.path()).isEqualTo("/openai/deployments/gpt-4o-mini/chat/completions");
    assertThat(seen.query()).contains("api-version=2024-10-21");
    assertThat(seen.keyAccepted()).isTrue();
    assertThat(seen.headers()).containsKey("api-key").doesNotContainKey("authorization");
  }

  @Test
  void editingARouteFileChangesServingWithoutARestart() throws Exception {
    Path routes = configDir.resolve("modelroutes.yaml");
    String swapped =
        Files.readString(routes)
            .replace(
                "model: gpt-4o-mini, weight: 1, priority: 0",
                "model: gpt-4o-mini, weight: 1, priority: 1")
            .replace(
                "model: llama-3.1-8b-instruct, weight: 1, priority: 1",
                "model: llama-3.1-8b-instruct, weight: 1, priority: 0");
    assertThat(swapped).isNotEqualTo(Files.readString(routes));
    Files.writeString(routes, swapped);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(servedBy("chat-default")).isEqualTo("local-secondary"));
  }

  @Test
  void aBrokenProviderFailsOverAndTheClientSeesNoError() throws Exception {
    stack.mock(samples.primary).faults().set("gpt-4o-mini", "status:503");
    long before = stack.mock(samples.secondary).totalAttempts();

    for (int i = 0; i < 5; i++) {
      assertThat(servedBy("chat-default")).isEqualTo("local-secondary");
    }
    assertThat(stack.mock(samples.secondary).totalAttempts() - before).isGreaterThanOrEqualTo(5);
  }

  @Test
  void aRotatedKeyIsUsedWithoutARestart() throws Exception {
    Path secrets = configDir.resolve("secrets.yaml");
    // The provider now accepts only the new key; the old one is refused with 401.
    stack.mock(samples.primary).setKeys("sk-local-rotated");
    Files.writeString(
        secrets,
        Files.readString(secrets).replace("apiKey: sk-local-primary", "apiKey: sk-local-rotated"));

    // A previous test's faults may have opened the primary's circuit breaker: the local policy
    // keeps it open for 10 s, then half-open probes close it again.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(servedBy("chat-default")).isEqualTo("local-primary"));
  }

  @Test
  void deletingARouteAnswers404() throws Exception {
    Path routes = configDir.resolve("modelroutes.yaml");
    String text = Files.readString(routes);
    String withoutEmbeddings =
        text.substring(
            0,
            text.indexOf(
                "---\napiVersion: switchboard.dev/v1alpha1\nkind: ModelRoute\nmetadata:\n  name: embeddings-default"));
    Files.writeString(routes, withoutEmbeddings);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              HttpResponse<String> response =
                  post("/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}");
              assertThat(response.statusCode()).isEqualTo(404);
              JsonNode error = JSON.readTree(response.body()).get("error");
              assertThat(error.get("code").asText()).isEqualTo("model_not_found");
            });
    // The SDK maps it to its typed exception.
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                sdk.embeddings()
                    .create(
                        EmbeddingCreateParams.builder()
                            .model("text-embedding-3-small")
                            .input("x")
                            .build()))
        .isInstanceOf(NotFoundException.class);
    // Other routes are unaffected.
    assertThat(servedBy("chat-default")).isEqualTo("local-primary");
  }

  @Test
  void anInvalidResourceIsReportedAndServingGoesOn() throws Exception {
    Path broken = configDir.resolve("zz-broken.yaml");
    Files.writeString(
        broken,
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: broken-route}
        spec:
          model: broken
          targets:
            - {providerRef: {name: no-such-provider}, model: x}
        """);
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                ModelRoute route =
                    stack
                        .api()
                        .client()
                        .resources(ModelRoute.class)
                        .inNamespace("default")
                        .withName("broken-route")
                        .get();
                assertThat(route).isNotNull();
                assertThat(route.getStatus()).isNotNull();
                assertThat(route.getStatus().getConditions())
                    .anySatisfy(
                        c -> {
                          assertThat(c.getType()).isEqualTo("Ready");
                          assertThat(c.getStatus()).isEqualTo("False");
                          assertThat(c.getMessage()).contains("no-such-provider");
                        });
              });
      // The console names the file and the reason, as a newcomer editing the directory sees it.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(console)
                      .anyMatch(
                          line ->
                              line.contains("ModelRoute default/broken-route (zz-broken.yaml)")
                                  && line.contains("Ready=False ProviderNotFound")));
      assertThat(servedBy("chat-default")).isEqualTo("local-primary");
      HttpResponse<String> response = post("/chat/completions", chatBody("broken"));
      assertThat(response.statusCode()).isEqualTo(404);
    } finally {
      Files.deleteIfExists(broken);
      stack.applier().sync();
    }
  }

  @Test
  void aFileWithUnknownFieldsIsRejectedForThatFileAndServingGoesOn() throws Exception {
    Path typo = configDir.resolve("zz-typo.yaml");
    String route =
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: typo-route}
        spec:
          model: typo
          targets:
            - {providerRef: {name: local-primary}, model: gpt-4o-mini, %s: 1}
        """;
    Files.writeString(typo, route.formatted("wieght"));
    try {
      // kubectl apply's strict field validation: the console names the file and the field.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(console)
                      .anyMatch(
                          line ->
                              line.contains("zz-typo.yaml")
                                  && line.contains("ModelRoute default/typo-route was rejected")
                                  && line.contains("unknown field \"spec.targets[0].wieght\"")));
      assertThat(
              stack
                  .api()
                  .client()
                  .resources(ModelRoute.class)
                  .inNamespace("default")
                  .withName("typo-route")
                  .get())
          .isNull();
      assertThat(servedBy("chat-default")).isEqualTo("local-primary");

      // Fixing the file applies it.
      Files.writeString(typo, route.formatted("weight"));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(servedBy("typo")).isEqualTo("local-primary"));
    } finally {
      Files.deleteIfExists(typo);
      stack.applier().sync();
    }
  }

  /**
   * Exported only for routes that have had a rollout since the operator started (the local stack's
   * routes have not); {@code CanaryRolloutScenarioTest} scrapes them during one. The gateway's
   * shadow-copy counter likewise appears only with a shadow canary's first copy ({@code
   * GatewayMetricsTest} counts it).
   */
  private static final java.util.Set<String> ROLLOUT_ONLY =
      java.util.Set.of(
          dev.switchboard.operator.metrics.OperatorMetrics.CANARY_WEIGHT,
          dev.switchboard.operator.metrics.OperatorMetrics.CANARY_VERDICT,
          dev.switchboard.operator.metrics.OperatorMetrics.CANARY_PHASE,
          // Only while a shadow canary copies requests (the dashboard reads it as 0 when absent).
          dev.switchboard.gateway.metrics.GatewayMetrics.SHADOW_COPIES + "_total");

  @Test
  void theDashboardQueriesOnlyMetricsTheSystemExports() throws Exception {
    // Traffic that makes every family appear: success, stream, a failover and a 404.
    servedBy("chat-default");
    post(
        "/chat/completions",
        "{\"model\":\"chat-default\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    stack.mock(samples.primary).faults().set("gpt-4o-mini", "status:503");
    assertThat(servedBy("chat-default")).isEqualTo("local-secondary");
    stack.mock(samples.primary).faults().clearAll();
    post("/chat/completions", chatBody("no-such-model"));

    String exported =
        scrape(stack.adminUrl() + "/metrics")
            + scrape("http://127.0.0.1:" + stack.operator().metricsPort() + "/metrics");
    JsonNode dashboard =
        JSON.readTree(Path.of("../charts/switchboard/dashboards/switchboard.json").toFile());
    // Metric names only: label matchers and grouping clauses name labels.
    String queries =
        String.join("\n", dashboard.findValuesAsText("expr"))
            .replaceAll("\\{[^}]*}", "")
            .replaceAll("by \\([^)]*\\)", "");
    assertThat(queries).contains("gen_ai_");
    java.util.regex.Matcher names =
        java.util.regex.Pattern.compile("\\b(?:gen_ai|switchboard)_[a-z0-9_]+").matcher(queries);
    java.util.Set<String> missing = new java.util.TreeSet<>();
    while (names.find()) {
      String name = names.group().replaceAll("_(bucket|sum|count)$", "");
      if (!exported.contains("\n" + name) && !ROLLOUT_ONLY.contains(name)) {
        missing.add(name);
      }
    }
    assertThat(missing).as("dashboard metrics that nothing exports").isEmpty();
  }

  private static String scrape(String url) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return "\n" + response.body();
  }
}
