package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.EvaluationCandidateStatus;
import dev.switchboard.api.v1alpha1.EvaluationStatus;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proof on the whole local stack (operator, gateway, mock API server, mock providers):
 * a side-by-side evaluation against mock models that differ — one 25 % wordier, one refusing 5
 * points more often in plain text, one identical — names the first two with intervals that exclude
 * no change, calls the third {@code NoMaterialChange}, and leaves a readable runbook entry; a model
 * retired yesterday receives 0 requests while its successor serves.
 */
class EvaluationAndRetirementIT {

  static final int REQUESTS = 400;

  static LocalSamples samples;
  static LocalStack stack;
  static int personas;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    samples = LocalSamples.create();
    try (ServerSocket socket = new ServerSocket(0)) {
      personas = socket.getLocalPort();
    }
    String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
    Files.writeString(
        samples.dir.resolve("evaluation.yaml"),
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ProviderEndpoint
        metadata: {name: personas}
        spec:
          provider: openai-compatible
          baseUrl: http://127.0.0.1:%d/v1
          models:
            - {name: base, capabilities: [chat]}
            - {name: wordy, capabilities: [chat]}
            - {name: refusing, capabilities: [chat]}
            - {name: same, capabilities: [chat]}
            - name: old-model
              capabilities: [chat]
              lifecycle: {deprecatedAfter: "2026-01-01", retiredAfter: "%s", successor: new-model}
            - {name: new-model, capabilities: [chat]}
        ---
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: evaluated}
        spec:
          model: evaluated
          targets: [{providerRef: {name: personas}, model: base}]
          evaluation:
            candidates:
              - {providerRef: {name: personas}, model: wordy}
              - {providerRef: {name: personas}, model: refusing}
              - {providerRef: {name: personas}, model: same}
            sample: 1.0
            duration: 90s
        ---
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: retiring}
        spec:
          model: retiring
          targets: [{providerRef: {name: personas}, model: old-model}]
        """
            .formatted(personas, yesterday));
    Map<Integer, MockProviderOptions> mocks = new LinkedHashMap<>(samples.mocks());
    mocks.put(
        personas,
        new MockProviderOptions()
            .persona("base", 1.0, 0.02)
            .persona("wordy", 1.25, 0.02)
            .persona("refusing", 1.0, 0.07)
            .persona("same", 1.0, 0.02));
    stack = samples.start(samples.options().withMockProviders(mocks), line -> {});
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  static HttpResponse<String> chat(String model, String content) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/chat/completions"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
                        + content
                        + "\"}]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRetiredModelReceivesNothingAndItsSuccessorServes() throws Exception {
    MockProvider mock = stack.mock(personas);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> chat("retiring", "ping").statusCode() == 200);
    long before = mock.attempts("new-model");
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> answer = chat("retiring", "question " + i);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("x-switchboard-target-model")).hasValue("new-model");
    }
    assertThat(mock.attempts("old-model")).isZero();
    assertThat(mock.attempts("new-model") - before).isEqualTo(20);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ModelRoute route =
                  stack
                      .api()
                      .client()
                      .resources(ModelRoute.class)
                      .inNamespace("default")
                      .withName("retiring")
                      .get();
              assertThat(route.getStatus().getConditions())
                  .anySatisfy(
                      c -> {
                        assertThat(c.getType()).isEqualTo("TargetRetired");
                        assertThat(c.getReason()).isEqualTo("SuccessorServing");
                      });
              ProviderEndpoint endpoint =
                  stack
                      .api()
                      .client()
                      .resources(ProviderEndpoint.class)
                      .inNamespace("default")
                      .withName("personas")
                      .get();
              assertThat(endpoint.getStatus().getModels())
                  .anySatisfy(
                      m -> {
                        assertThat(m.getName()).isEqualTo("old-model");
                        assertThat(m.getPhase()).isEqualTo("Retired");
                        assertThat(m.getRetiresInDays()).isZero();
                        assertThat(m.getSuccessor()).isEqualTo("new-model");
                      });
            });
  }

  @Test
  void theEvaluationNamesTheShiftsAndWritesTheRunbook() throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> chat("evaluated", "warm up").statusCode() == 200);
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> answer = chat("evaluated", "question number " + i);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("x-switchboard-target-model")).hasValue("base");
    }
    await()
        .atMost(Duration.ofSeconds(200))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> "Completed".equals(evaluation().getPhase()));
    EvaluationStatus evaluation = evaluation();
    Map<String, EvaluationCandidateStatus> byTarget =
        evaluation.getCandidates().stream()
            .collect(Collectors.toMap(EvaluationCandidateStatus::getTarget, Function.identity()));
    EvaluationCandidateStatus wordy = byTarget.get("personas/wordy");
    assertThat(wordy.getPairs()).isGreaterThanOrEqualTo(REQUESTS);
    assertThat(wordy.getVerdicts()).contains("VerbosityUp");
    assertThat(wordy.getWordsRatio().getCi95().get(0)).isGreaterThan(1.0);
    EvaluationCandidateStatus refusing = byTarget.get("personas/refusing");
    assertThat(refusing.getVerdicts()).contains("RefusalsUp");
    assertThat(refusing.getRefusalRateDelta().getCi95().get(0)).isGreaterThan(0.0);
    assertThat(byTarget.get("personas/same").getVerdict()).isEqualTo("NoMaterialChange");
    assertThat(evaluation.getBaseline().getTarget()).isEqualTo("personas/base");

    String key = "evaluated." + evaluation.getId() + ".md";
    assertThat(evaluation.getReport()).isEqualTo("configmap/switchboard-runbook key " + key);
    String entry =
        stack
            .api()
            .client()
            .configMaps()
            .inNamespace("default")
            .withName("switchboard-runbook")
            .get()
            .getData()
            .get(key);
    assertThat(entry)
        .contains("completed (final entry)")
        .contains("baseline `personas/base`")
        .contains("### `personas/wordy`: VerbosityUp")
        .contains("| words per answer |")
        .contains("| refusal rate |");
  }

  private static EvaluationStatus evaluation() {
    ModelRoute route =
        stack
            .api()
            .client()
            .resources(ModelRoute.class)
            .inNamespace("default")
            .withName("evaluated")
            .get();
    return route.getStatus() == null || route.getStatus().getEvaluation() == null
        ? new EvaluationStatus()
        : route.getStatus().getEvaluation();
  }
}
