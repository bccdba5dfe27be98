package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.api.v1alpha1.DriftResult;
import dev.switchboard.api.v1alpha1.DriftStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.drift.DriftInjection;
import dev.switchboard.operator.time.OffsetClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * The drift regression of issue #19 end to end on the local stack: the real operator (on a test
 * clock it jumps night by night), the real gateway (its admin drift endpoint), real mock providers
 * over HTTP and the Fabric8 mock API server. A deterministic route on a policy with a nightly drift
 * check has its own target on "primary" and a rule's target on "secondary"; 20 prompts × 2 samples
 * go to both every night. An unchanged mock gives no false alarm in 30 nights; one prompt in 20 (5
 * %) answering differently is caught in the next run; a changed {@code system_fingerprint} on the
 * rule's target is flagged in the next run, and the route says {@code ModelVersionChanged}. The
 * headers and request-log fields of the deterministic route are checked with the OpenAI SDK.
 * Consumer keys are in force throughout: the drift checks go through as the operator (its
 * credential in the consumer table), never needing a consumer's key.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftRegressionIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = LocalStack.NAMESPACE;
  private static final String POLICY = "reproducible";
  private static final String ROUTE = "chat-drift";
  private static final String PRIMARY = "primary/gpt-4o-mini";
  private static final String SECONDARY = "secondary/llama-3.1-8b-instruct";
  private static final int PROMPTS = 20;
  private static final int SAMPLES = 2;
  private static final Duration NIGHT = Duration.ofDays(1);

  static Path dir;
  static int primaryPort;
  static int secondaryPort;
  static OffsetClock operatorClock;
  static LocalStack stack;
  static final ListAppender<ILoggingEvent> requestLog = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("switchboard-drift");
    primaryPort = freePort();
    secondaryPort = freePort();
    writeConfig();
    Map<Integer, MockProviderOptions> mocks = new LinkedHashMap<>();
    mocks.put(primaryPort, new MockProviderOptions().keys("sk-primary").models("gpt-4o-mini"));
    mocks.put(
        secondaryPort,
        new MockProviderOptions().keys("sk-secondary").models("llama-3.1-8b-instruct"));
    operatorClock = OffsetClock.systemUtc();
    requestLog.start();
    ((Logger) LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME)).addAppender(requestLog);
    stack =
        LocalStack.start(
            LocalStack.Options.defaults()
                .withConfigDir(dir)
                .withMockProviders(mocks)
                .withPort(0)
                .withAdminPort(0)
                .withOperatorClock(operatorClock),
            line -> {});
    assertThat(stack.awaitRoutingTable(Duration.ofSeconds(30))).isTrue();
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(RequestLogWriter.LOGGER_NAME)).detachAppender(requestLog);
    if (stack != null) {
      stack.close();
    }
  }

  private static void writeConfig() throws IOException {
    StringBuilder yaml = new StringBuilder();
    for (String name : List.of("primary", "secondary")) {
      int port = name.equals("primary") ? primaryPort : secondaryPort;
      String model = name.equals("primary") ? "gpt-4o-mini" : "llama-3.1-8b-instruct";
      yaml.append(
          LocalSamples.openAiEndpoint(name, port, "{name: " + model + ", capabilities: [chat]}"));
    }
    Files.writeString(dir.resolve("providers.yaml"), yaml.toString());
    StringBuilder prompts =
        new StringBuilder(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: drift-prompts, namespace: default}
            data:
            """);
    for (int i = 0; i < PROMPTS; i++) {
      prompts.append(
          "  p%02d: \"Summarise clause %d of the supplier contract in one sentence.\"\n"
              .formatted(i, i));
    }
    Files.writeString(dir.resolve("prompts.yaml"), prompts.toString());
    Files.writeString(
        dir.resolve("policy.yaml"),
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: RoutingPolicy
        metadata: {name: %s, namespace: default}
        spec:
          deterministic: {enabled: true, seed: 42}
          driftCheck:
            schedule: "0 3 * * *"
            timeZone: UTC
            promptsConfigMapRef: {name: drift-prompts}
            samples: %d
            maxNormalizedDistance: 0.15
        """
            .formatted(POLICY, SAMPLES));
    // Consumer keys are in force (one Consumer, the key the SDK sends): the drift checks reach the
    // gateways' admin port as the operator, with its credential, not as a consumer.
    Files.writeString(
        dir.resolve("consumers.yaml"),
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: application-key, namespace: default}
        type: Opaque
        stringData: {apiKey: sk-application}
        ---
        apiVersion: switchboard.dev/v1alpha1
        kind: Consumer
        metadata: {name: application, namespace: default}
        spec:
          keySecretRefs: [{name: application-key, key: apiKey}]
          models: ["*"]
        """);
    // Legal requests go to the rule's target on "secondary"; the drift check replays to both.
    Files.writeString(
        dir.resolve("route.yaml"),
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: %1$s, namespace: default}
        spec:
          model: %1$s
          policyRef: {name: %2$s}
          targets:
            - {providerRef: {name: primary}, model: gpt-4o-mini}
          rules:
            - match: {metadata: {task: legal}}
              targets:
                - {providerRef: {name: secondary}, model: llama-3.1-8b-instruct}
        """
            .formatted(ROUTE, POLICY));
  }

  @Test
  @Order(1)
  void theDeterministicRouteSaysWhatProducedEachAnswerInHeadersAndTheRequestLog() throws Exception {
    OpenAIClient sdk =
        OpenAIOkHttpClient.builder()
            .baseUrl(stack.baseUrl())
            .apiKey("sk-application")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
    var params =
        ChatCompletionCreateParams.builder()
            .model(ROUTE)
            .addSystemMessage("Answer as a contracts lawyer.")
            .addUserMessage("What is a force majeure clause?")
            .temperature(0.0)
            .build();

    var raw = sdk.chat().completions().withRawResponse().create(params);
    var completion = raw.parse();

    String hash = sha256Hex("Answer as a contracts lawyer.\n");
    assertThat(completion.choices().get(0).message().content())
        .hasValueSatisfying(t -> assertThat(t).endsWith("(seed 42)"));
    assertThat(raw.headers().values("x-switchboard-seed")).containsExactly("42");
    assertThat(raw.headers().values("x-switchboard-model-version")).containsExactly("gpt-4o-mini");
    assertThat(raw.headers().values("x-switchboard-system-fingerprint"))
        .containsExactly("fp_mock0001");
    assertThat(raw.headers().values("x-switchboard-system-prompt-hash")).containsExactly(hash);
    String configVersion = raw.headers().values("x-switchboard-config-version").get(0);
    String requestId = raw.headers().values("x-request-id").get(0);

    JsonNode line =
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> logLine(requestId), Optional::isPresent)
            .orElseThrow();
    assertThat(line.path("route").asText()).isEqualTo(ROUTE);
    assertThat(line.path("deterministic").asBoolean()).isTrue();
    assertThat(line.path("seed").asLong()).isEqualTo(42);
    assertThat(line.path("seed_injected").asBoolean()).isTrue();
    assertThat(line.path("system_prompt_hash").asText()).isEqualTo(hash);
    assertThat(line.path("temperature").asText()).isEqualTo("0.0");
    assertThat(line.path("top_p").isNull()).isTrue();
    assertThat(line.path("model_version").asText()).isEqualTo("gpt-4o-mini");
    assertThat(line.path("system_fingerprint").asText()).isEqualTo("fp_mock0001");
    assertThat(line.path("config_version").asText()).isEqualTo(configVersion);
  }

  @Test
  @Order(2)
  void thirtyUnchangedNightsRaiseNoAlarmThenAFivePercentChangeAndAFingerprintChangeAreCaught() {
    // The first reconcile of a new drift check runs at once, here while the operator had not
    // published the route yet (it waits for it), no gateway replica was up yet (the stack applies
    // the configs first), or it had no routing table yet or not the one with the route (the
    // operator renders it): no run, even when the gateway comes up, or loads the table, between
    // the two targets — it is retried
    // a minute later on the operator's clock (moved there rather than waited for), and that retry
    // takes the baseline, for the route's own target and its rule's target.
    List<String> failedAttempts = new java.util.ArrayList<>();
    DriftStatus first =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  DriftStatus s = driftStatus();
                  if (s != null && s.getRetryAt() != null) {
                    failedAttempts.add(s.getMessage());
                    Duration wait =
                        Duration.between(operatorClock.instant(), Instant.parse(s.getRetryAt()));
                    if (!wait.isNegative()) {
                      operatorClock.advance(wait.plusSeconds(1));
                    }
                  }
                  return s;
                },
                s -> s != null && s.getResults() != null && !s.getResults().isEmpty());
    assertThat(first.getFailedAttempts()).isNull();
    assertThat(first.getRetryAt()).isNull();
    assertThat(first.getRebaseline()).isNull(); // no annotation needed
    if (!failedAttempts.isEmpty()) {
      assertThat(failedAttempts)
          .allSatisfy(
              m ->
                  assertThat(m)
                      .containsAnyOf(
                          "not in the published routing table yet",
                          "no gateway replica",
                          "no target answered"));
      assertThat(policyEvents("DriftCheckUnreachable"))
          .singleElement()
          .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    }
    assertThat(first.getResults())
        .extracting(DriftResult::getTarget)
        .containsExactlyInAnyOrder(PRIMARY, SECONDARY);
    assertThat(first.getResults())
        .allSatisfy(r -> assertThat(r.getReason()).isEqualTo("baseline recorded"));
    String scheduled = first.getLastScheduled();

    long primaryBefore = stack.mock(primaryPort).attempts("gpt-4o-mini");
    long secondaryBefore = stack.mock(secondaryPort).attempts("llama-3.1-8b-instruct");
    for (int night = 1; night <= 30; night++) {
      DriftStatus status = nextNight(scheduled);
      scheduled = status.getLastScheduled();
      assertThat(status.getResults())
          .as("night %d", night)
          .hasSize(2)
          .allSatisfy(
              r -> {
                assertThat(r.getDrifted()).as(r.getReason()).isFalse();
                assertThat(r.getReason()).isEqualTo("matches the baseline");
                assertThat(r.getDistance()).isZero();
                assertThat(r.getAgreement()).isEqualTo(1.0);
                assertThat(r.getFailedRequests()).isZero();
                assertThat(r.getPrompts()).isEqualTo(PROMPTS);
              });
      assertThat(drifted().orElseThrow().getStatus()).as("night %d", night).isEqualTo("False");
      assertThat(drifted().orElseThrow().getReason()).isEqualTo("NoDrift");
    }
    // One run a night, each prompt sent SAMPLES times to each target: no run missed or doubled.
    assertThat(stack.mock(primaryPort).attempts("gpt-4o-mini") - primaryBefore)
        .isEqualTo(30L * PROMPTS * SAMPLES);
    assertThat(stack.mock(secondaryPort).attempts("llama-3.1-8b-instruct") - secondaryBefore)
        .isEqualTo(30L * PROMPTS * SAMPLES);
    assertThat(driftWarnings()).isEmpty();

    // 5 %: one prompt in 20 answers differently on the route's own target.
    stack
        .mock(primaryPort)
        .drift()
        .set(new DriftInjection.Settings(null, 0, List.of("clause 7 of")));
    DriftStatus changed = nextNight(scheduled);
    scheduled = changed.getLastScheduled();
    assertThat(result(changed, PRIMARY))
        .satisfies(
            r -> {
              assertThat(r.getDrifted()).isTrue();
              assertThat(r.getDriftedPrompts()).isEqualTo(1);
              assertThat(r.getReason()).contains("1 of 20 prompts", "p07");
            });
    assertThat(result(changed, SECONDARY).getDrifted()).isFalse();
    assertThat(drifted().orElseThrow().getStatus()).isEqualTo("True");
    assertThat(drifted().orElseThrow().getReason()).isEqualTo("OutputDrifted");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(driftWarnings())
                    .anySatisfy(
                        e -> assertThat(e.getMessage()).contains(ROUTE + " " + PRIMARY + ":")));

    // The answers are back; the rule's target now answers with another system_fingerprint.
    stack.mock(primaryPort).drift().set(DriftInjection.Settings.NONE);
    stack.mock(secondaryPort).drift().set(new DriftInjection.Settings("fp_swapped", 0, List.of()));
    DriftStatus swapped = nextNight(scheduled);
    assertThat(result(swapped, SECONDARY))
        .satisfies(
            r -> {
              assertThat(r.getDrifted()).isTrue();
              assertThat(r.getDriftedPrompts()).isZero();
              assertThat(r.getFingerprint()).isEqualTo("fp_swapped");
              assertThat(r.getReason()).isEqualTo("fingerprint fp_mock0001 → fp_swapped");
            });
    assertThat(result(swapped, PRIMARY).getDrifted()).isFalse();
    assertThat(drifted().orElseThrow().getMessage()).contains(ROUTE + " " + SECONDARY);
    // The gateway saw the change on the drift requests; the route says so within its runtime
    // refresh (30 s).
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () ->
                assertThat(routeCondition("ModelVersionChanged"))
                    .hasValueSatisfying(
                        c -> {
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getMessage())
                              .contains(SECONDARY, "fp_mock0001 → fp_swapped");
                        }));
  }

  /** Moves the operator's clock one night ahead and waits for that night's run. */
  private static DriftStatus nextNight(String lastScheduled) {
    operatorClock.advance(NIGHT);
    String expected = Instant.parse(lastScheduled).plus(NIGHT).toString();
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            DriftRegressionIT::driftStatus,
            s -> s != null && expected.equals(s.getLastScheduled()));
  }

  private static DriftStatus driftStatus() {
    RoutingPolicy policy =
        stack.api().client().resources(RoutingPolicy.class).inNamespace(NS).withName(POLICY).get();
    return policy == null || policy.getStatus() == null ? null : policy.getStatus().getDrift();
  }

  private static Optional<Condition> drifted() {
    RoutingPolicy policy =
        stack.api().client().resources(RoutingPolicy.class).inNamespace(NS).withName(POLICY).get();
    return policy.getStatus().getConditions().stream()
        .filter(c -> "Drifted".equals(c.getType()))
        .findFirst();
  }

  private static Optional<Condition> routeCondition(String type) {
    ModelRoute route =
        stack.api().client().resources(ModelRoute.class).inNamespace(NS).withName(ROUTE).get();
    return route == null || route.getStatus() == null || route.getStatus().getConditions() == null
        ? Optional.empty()
        : route.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()))
            .findFirst();
  }

  private static DriftResult result(DriftStatus status, String target) {
    return status.getResults().stream()
        .filter(r -> r.getTarget().equals(target))
        .findFirst()
        .orElseThrow();
  }

  private static List<Event> policyEvents(String reason) {
    return stack.api().client().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .filter(e -> POLICY.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private static List<Event> driftWarnings() {
    return stack.api().client().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "Drifted".equals(e.getReason()) && "Warning".equals(e.getType()))
        .filter(e -> POLICY.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private static Optional<JsonNode> logLine(String requestId) throws Exception {
    List<ILoggingEvent> events;
    synchronized (requestLog) { // the appender adds under this lock
      events = List.copyOf(requestLog.list);
    }
    for (ILoggingEvent e : events) {
      JsonNode line = JSON.readTree(e.getFormattedMessage());
      if (requestId.equals(line.path("request_id").asText())) {
        return Optional.of(line);
      }
    }
    return Optional.empty();
  }

  private static String sha256Hex(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
