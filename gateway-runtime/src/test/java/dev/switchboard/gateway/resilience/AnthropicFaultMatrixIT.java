package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix ({@link FaultMatrixIT}) in Anthropic's wire format: every fault class of the
 * mock, plus Anthropic's own {@code 529 overloaded_error} and a mid-stream {@code event: error},
 * strikes an Anthropic-native target that chat clients reach through the adapter's translation.
 * With an OpenAI-compatible fallback every non-streaming request succeeds (and every stream unless
 * the fault struck after the first chunk); alone, every answer is a well-formed OpenAI success or
 * error — checked against the official OpenAI SDK's models — never malformed, never lost.
 */
class AnthropicFaultMatrixIT {

  static final int N = 5;

  /** A fault class, its mock spec, and whether it strikes after the first chunk. */
  record Case(String name, String spec, boolean afterFirstChunk) {
    String model() {
      return "claude-" + name.toLowerCase().replace('_', '-');
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    List<Case> all = new ArrayList<>();
    for (FaultMatrixIT.Fault f : FaultMatrixIT.Fault.values()) {
      all.add(new Case(f.name(), f.spec, f.afterFirstChunk));
    }
    all.add(new Case("OVERLOADED", "status:529", false));
    all.add(new Case("STREAM_ERROR", "stream-error:3", true));
    return all.stream();
  }

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-a", "sk-o"),
            AnthropicFaultMatrixIT::table,
            Map.of("claude", "sk-a", "good", "sk-o"));
    mock = gateway.mock();
  }

  /** Per case: a solo route and one with an OpenAI-compatible fallback, both on {@code mock}. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 1_500L, 5_000L, 1_500L);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 4_000L, 10, 10_000L, 1_000L);
    List<RoutingTable.Route> routes = new ArrayList<>();
    cases()
        .forEach(
            c -> {
              routes.add(
                  policyRoute("solo-" + c.model(), "retrying", target("claude", c.model(), 0)));
              routes.add(
                  policyRoute(
                      "fb-" + c.model(),
                      "failover",
                      target("claude", c.model() + "-fb", 0),
                      target("good", "healthy-model", 1)));
            });
    return TestTables.table(
        List.of(
            provider("claude", "anthropic", mock.baseUrl(), timeouts),
            provider("good", null, mock.baseUrl(), timeouts)),
        List.of(
            policy("retrying", 3, 200, 0.2, 1, breaker, List.of()),
            policy("failover", 1, 200, 0.2, 5, breaker, List.of())),
        routes);
  }

  private static RoutingTable.Provider provider(
      String name, String kind, String baseUrl, RoutingTable.Timeouts timeouts) {
    RoutingTable.Provider p =
        ResilienceTables.provider(name, baseUrl, timeouts, null, null, null, Map.of());
    return kind == null
        ? p
        : new RoutingTable.Provider(
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
            p.models());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyAnswerIsWellFormedAndFallbacksServe(Case c) {
    mock.faults().set(c.model(), c.spec());
    mock.faults().set(c.model() + "-fb", c.spec());
    List<CompletableFuture<Outcome.Verdict>> solo = new ArrayList<>();
    List<CompletableFuture<Outcome.Verdict>> fbPlain = new ArrayList<>();
    List<CompletableFuture<Outcome.Verdict>> fbStream = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      solo.add(send("solo-" + c.model(), false));
      solo.add(send("solo-" + c.model(), true));
      fbPlain.add(send("fb-" + c.model(), false));
      fbStream.add(send("fb-" + c.model(), true));
    }
    for (List<CompletableFuture<Outcome.Verdict>> group : List.of(solo, fbPlain, fbStream)) {
      for (CompletableFuture<Outcome.Verdict> f : group) {
        Outcome.Verdict v = f.join();
        assertThat(v.outcome())
            .as(c + ": " + v.detail())
            .isIn(Outcome.OK, Outcome.ERROR_WELLFORMED);
      }
    }
    assertThat(fbPlain.stream().map(CompletableFuture::join).map(Outcome.Verdict::outcome))
        .as(c + " with fallback")
        .containsOnly(Outcome.OK);
    if (!c.afterFirstChunk()) {
      assertThat(fbStream.stream().map(CompletableFuture::join).map(Outcome.Verdict::outcome))
          .as(c + " streams with fallback")
          .containsOnly(Outcome.OK);
    }
  }

  private static CompletableFuture<Outcome.Verdict> send(String model, boolean stream) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
            .timeout(FaultMatrixIT.CLIENT_TIMEOUT)
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
}
