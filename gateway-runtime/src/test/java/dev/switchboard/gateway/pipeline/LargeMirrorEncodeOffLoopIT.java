package dev.switchboard.gateway.pipeline;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Context;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An evaluation's mirrors of a request over {@link ValidateStage#INLINE_PARSE_LIMIT} have their
 * bodies written on a worker, as the request's own attempt has; a small request's are written in
 * place. Real gateway and mock provider; every request is mirrored (sample 1.0) to the baseline and
 * one candidate.
 */
class LargeMirrorEncodeOffLoopIT {

  @TempDir Path dir;

  GatewayHarness gateway;
  final List<Boolean> encodedOnLoop = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-t").models("base", "wordy"),
            LargeMirrorEncodeOffLoopIT::table,
            Map.of("mock", "sk-t"));
    ExecuteStage.encodeProbe = () -> encodedOnLoop.add(Context.isOnEventLoopThread());
  }

  @AfterEach
  void stop() throws Exception {
    ExecuteStage.encodeProbe = () -> {};
    gateway.close();
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Route route =
        new RoutingTable.Route(
                "mirrored",
                "mirrored",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1", List.of(target("mock", "wordy", 0)), 1.0, null, null, "mock/base"));
    return TestTables.table(List.of(provider("mock", mock.baseUrl(), true)), List.of(route));
  }

  @Test
  void aLargeRequestsMirrorsAreWrittenOffTheLoopAndASmallOnesInPlace() throws Exception {
    HttpResponse<String> small =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("mirrored", false));
    assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
    // The request's attempt, the baseline's replay and the candidate's mirror.
    await().atMost(Duration.ofSeconds(10)).until(() -> encodedOnLoop.size() == 3);
    assertThat(encodedOnLoop).as("a small body: in place").containsOnly(true);

    encodedOnLoop.clear();
    String prompt = "x".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024);
    HttpResponse<String> large =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"mirrored\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt
                + "\"}]}");
    assertThat(large.statusCode()).as(large.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> encodedOnLoop.size() == 3);
    assertThat(encodedOnLoop).as("a large body: on workers").containsOnly(false);
  }
}
