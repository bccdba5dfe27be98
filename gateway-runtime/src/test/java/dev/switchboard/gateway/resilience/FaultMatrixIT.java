package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault matrix of issue 4: for every fault class the mock provider can inject, {@value #N}
 * concurrent non-streaming and {@value #N} streaming requests go through a route whose only target
 * has the fault ({@code solo-*}) and through a route with a healthy fallback ({@code fb-*}). Every
 * answer is classified ({@link Outcome}); none may be malformed or lost, every request with a
 * healthy fallback must succeed (except streams whose fault strikes after the first chunk, where
 * failover is forbidden and one terminal error event is the right answer), and upstream attempts
 * must stay within the retry budget.
 */
class FaultMatrixIT {

  static final int N = 20;

  /** Retry budget of the test policies: ratio and floor (per second, over a 10 s window). */
  static final double RATIO = 0.2;

  /**
   * Floor of the same-target-retrying solo routes: small, so the budget (not only the breaker)
   * bounds their attempts below the 3 × 2N a retry storm would send.
   */
  static final int SOLO_FLOOR = 1;

  /**
   * Floor of the failover routes: failover counts as a retry, and a burst of 2N requests hitting a
   * dead primary at once must all fail over (ratio × 2N + floor × window ≥ 2N).
   */
  static final int FAILOVER_FLOOR = 5;

  /** The client gives up after this; the gateway's deadline (header) is shorter. */
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

  /**
   * One fault class, the mock's fault spec for it, and whether it strikes after the first chunk.
   */
  enum Fault {
    RATE_LIMITED("status:429;retry-after=1", false),
    SERVER_ERROR("status:500", false),
    UNAVAILABLE("status:503", false),
    SLOW_FIRST_TOKEN("delay:3000", false),
    DRIP("drip:60", false),
    RESET_BEFORE_HEADERS("reset-before-headers", false),
    RESET_AFTER_HEADERS("reset-after-headers", true),
    TRUNCATED("truncate:2", true),
    STALL("stall", false),
    /** Two events, then silence: streams end by {@code streamIdle}, plain calls by total. */
    STALL_MID_STREAM("stall-after:2", true),
    NON_JSON("non-json", false),
    /** The provider rejects the gateway's key: fail over to another provider, never retry. */
    CREDENTIALS_REJECTED("status:401", false);

    final String spec;
    final boolean afterFirstChunk;

    Fault(String spec, boolean afterFirstChunk) {
      this.spec = spec;
      this.afterFirstChunk = afterFirstChunk;
    }

    String model() {
      return "fault-" + name().toLowerCase().replace('_', '-');
    }

    /** The same fault for the Responses API routes (their attempts are not budget-checked). */
    String responsesModel() {
      return model() + "-rs";
    }

    /** The same fault under another model id, so the solo route's attempts count apart. */
    String soloModel() {
      return model() + "-solo";
    }
  }

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    List<String> models = new ArrayList<>();
    models.add("healthy-model");
    for (Fault f : Fault.values()) {
      models.add(f.model());
      models.add(f.soloModel());
      models.add(f.responsesModel());
    }
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m").models(models.toArray(String[]::new)),
            FaultMatrixIT::table,
            Map.of("flaky", "sk-m", "good", "sk-m", "native", "sk-m"));
    mock = gateway.mock();
    // Warm up (JIT, connection pools, the OpenAPI document) so the matrix measures behaviour.
    List<CompletableFuture<Outcome.Verdict>> warmUp = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      warmUp.add(send("fb-" + Fault.DRIP.model(), i % 2 == 0));
    }
    warmUp.forEach(CompletableFuture::join);
    mock.reset();
  }

  /** Per fault: a solo, a failover and three Responses API routes on {@code mock}. */
  static RoutingTable table(MockProvider mock) {
    // Generous for a loaded 2-core machine: the healthy target must never time out here.
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 1_500L, 5_000L, 1_500L);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 4_000L, 10, 10_000L, 1_000L);
    List<RoutingTable.Route> routes = new ArrayList<>();
    for (Fault f : Fault.values()) {
      routes.add(policyRoute("solo-" + f.model(), "retrying", target("flaky", f.soloModel(), 0)));
      routes.add(
          policyRoute(
              "fb-" + f.model(),
              "failover",
              target("flaky", f.model(), 0),
              target("good", "healthy-model", 1)));
      // The Responses API: passed through to an OpenAI-preset target, bridged to a chat-only
      // one, and failing over from the first to a healthy chat-only (bridged) target.
      routes.add(
          policyRoute(
              "rs-native-" + f.model(), "retrying", target("native", f.responsesModel(), 0)));
      routes.add(
          policyRoute(
              "rs-bridged-" + f.model(), "retrying", target("flaky", f.responsesModel(), 0)));
      routes.add(
          policyRoute(
              "rs-fb-" + f.model(),
              "failover",
              target("native", f.responsesModel(), 0),
              target("good", "healthy-model", 1)));
    }
    return TestTables.table(
        List.of(
            provider("flaky", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            openAiPreset(provider("native", mock.baseUrl(), timeouts, null, null, null, Map.of()))),
        List.of(
            policy("retrying", 3, 200, RATIO, SOLO_FLOOR, breaker, List.of()),
            policy("failover", 1, 200, RATIO, FAILOVER_FLOOR, breaker, List.of())),
        routes);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyRequestGetsAWellFormedAnswer(Fault fault) {
    mock.faults().set(fault.model(), fault.spec);
    mock.faults().set(fault.soloModel(), fault.spec);
    long healthyBefore = mock.attempts("healthy-model");
    long faultyBefore = mock.attempts(fault.model());
    long soloBefore = mock.attempts(fault.soloModel());
    long start = System.nanoTime();

    List<CompletableFuture<Outcome.Verdict>> solo = new ArrayList<>();
    List<CompletableFuture<Outcome.Verdict>> fbPlain = new ArrayList<>();
    List<CompletableFuture<Outcome.Verdict>> fbStream = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      solo.add(send("solo-" + fault.model(), false));
      solo.add(send("solo-" + fault.model(), true));
      fbPlain.add(send("fb-" + fault.model(), false));
      fbStream.add(send("fb-" + fault.model(), true));
    }
    Map<Outcome, List<String>> soloOutcomes = collect(solo);
    Map<Outcome, List<String>> plainOutcomes = collect(fbPlain);
    Map<Outcome, List<String>> streamOutcomes = collect(fbStream);
    long elapsedSeconds = (System.nanoTime() - start) / 1_000_000_000L + 1;

    for (Map<Outcome, List<String>> outcomes :
        List.of(soloOutcomes, plainOutcomes, streamOutcomes)) {
      assertThat(outcomes.get(Outcome.MALFORMED)).as(fault + " malformed").isEmpty();
      assertThat(outcomes.get(Outcome.LOST)).as(fault + " lost").isEmpty();
    }
    // A healthy fallback existed: every non-streaming request succeeds, and every stream too
    // unless the fault struck after the first chunk (then failover is not allowed).
    assertThat(plainOutcomes.get(Outcome.OK))
        .as(fault + " with fallback: " + plainOutcomes)
        .hasSize(N);
    if (!fault.afterFirstChunk) {
      assertThat(streamOutcomes.get(Outcome.OK))
          .as(fault + " streams with fallback: " + streamOutcomes)
          .hasSize(N);
    }

    // No retry storm: per route, attempts ≤ requests × (1 + ratio) + floor × (window + elapsed)
    // (the budget's bound; without it the solo route alone could send 3 × 2N attempts).
    long window = RetryBudget.WINDOW_SECONDS + elapsedSeconds;
    long soloAttempts = mock.attempts(fault.soloModel()) - soloBefore;
    long fbAttempts =
        mock.attempts(fault.model())
            - faultyBefore
            + mock.attempts("healthy-model")
            - healthyBefore;
    assertThat(soloAttempts)
        .as(fault + " solo attempts")
        .isLessThanOrEqualTo((long) (2 * N * (1 + RATIO) + SOLO_FLOOR * window));
    assertThat(fbAttempts)
        .as(fault + " failover attempts")
        .isLessThanOrEqualTo((long) (2 * N * (1 + RATIO) + FAILOVER_FLOOR * window));
  }

  /** Requests per route and kind in the Responses API matrix (it adds three routes per fault). */
  static final int N_RESPONSES = 4;

  /**
   * The Responses API under every fault class: passed through (OpenAI preset), bridged (chat-only
   * target), and failing over from a faulty native target to a healthy bridged one. Every answer is
   * a valid Response, a valid Responses stream ending in {@code response.completed}, a stream whose
   * one terminal {@code error} event is last, or an OpenAI-shaped error; with the healthy fallback
   * every request succeeds (streams unless the fault strikes after the first event).
   */
  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyResponsesApiRequestGetsAWellFormedAnswer(Fault fault) {
    mock.faults().set(fault.responsesModel(), fault.spec);
    List<CompletableFuture<Outcome.Verdict>> solo = new ArrayList<>();
    List<CompletableFuture<Outcome.Verdict>> fbPlain = new ArrayList<>();
    List<CompletableFuture<Outcome.Verdict>> fbStream = new ArrayList<>();
    for (int i = 0; i < N_RESPONSES; i++) {
      for (boolean stream : new boolean[] {false, true}) {
        solo.add(sendResponses("rs-native-" + fault.model(), stream));
        solo.add(sendResponses("rs-bridged-" + fault.model(), stream));
      }
      fbPlain.add(sendResponses("rs-fb-" + fault.model(), false));
      fbStream.add(sendResponses("rs-fb-" + fault.model(), true));
    }
    Map<Outcome, List<String>> soloOutcomes = collect(solo);
    Map<Outcome, List<String>> plainOutcomes = collect(fbPlain);
    Map<Outcome, List<String>> streamOutcomes = collect(fbStream);
    for (Map<Outcome, List<String>> outcomes :
        List.of(soloOutcomes, plainOutcomes, streamOutcomes)) {
      assertThat(outcomes.get(Outcome.MALFORMED)).as(fault + " malformed").isEmpty();
      assertThat(outcomes.get(Outcome.LOST)).as(fault + " lost").isEmpty();
    }
    assertThat(plainOutcomes.get(Outcome.OK))
        .as(fault + " with fallback: " + plainOutcomes)
        .hasSize(N_RESPONSES);
    if (!fault.afterFirstChunk) {
      assertThat(streamOutcomes.get(Outcome.OK))
          .as(fault + " streams with fallback: " + streamOutcomes)
          .hasSize(N_RESPONSES);
    }
  }

  private static RoutingTable.Provider openAiPreset(RoutingTable.Provider p) {
    return new RoutingTable.Provider(
        p.name(),
        "openai",
        p.baseUrl(),
        p.hasKey(),
        p.apiVersion(),
        p.headers(),
        p.timeouts(),
        p.maxConcurrency(),
        p.quota(),
        p.healthCheck(),
        p.models());
  }

  private static CompletableFuture<Outcome.Verdict> sendResponses(String model, boolean stream) {
    String body =
        "{\"model\":\""
            + model
            + "\",\"input\":\"Hello from the fault matrix\",\"stream\":"
            + stream
            + "}";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/responses"))
            .timeout(CLIENT_TIMEOUT)
            .header("content-type", "application/json")
            .header(RequestDeadline.HEADER, "12000")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                return new Outcome.Verdict(
                    Outcome.LOST,
                    (cause instanceof HttpTimeoutException ? "hang: " : "broken: ") + cause);
              }
              return Outcome.classifyResponses(response, stream);
            });
  }

  private static CompletableFuture<Outcome.Verdict> send(String model, boolean stream) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
            .timeout(CLIENT_TIMEOUT)
            .header("content-type", "application/json")
            .header(RequestDeadline.HEADER, "12000")
            .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat(model, stream)))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                return new Outcome.Verdict(
                    Outcome.LOST,
                    (cause instanceof HttpTimeoutException ? "hang: " : "broken: ") + cause);
              }
              return Outcome.classify(response, stream);
            });
  }

  private static Map<Outcome, List<String>> collect(List<CompletableFuture<Outcome.Verdict>> all) {
    Map<Outcome, List<String>> out = new EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) {
      out.put(o, new ArrayList<>());
    }
    for (CompletableFuture<Outcome.Verdict> f : all) {
      Outcome.Verdict v = f.join();
      out.get(v.outcome()).add(v.detail());
    }
    return out;
  }
}
