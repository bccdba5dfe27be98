package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port's drift endpoint is the operator's own: with consumer keys required it needs none
 * (the operator has no consumer key) and it reaches the model every time, past the response cache a
 * client's repeated request is answered from — while the public port still wants a key.
 */
class ConsumerKeysOnDriftEndpointTest {

  static final String DRIFT = "/admin/drift/chat/completions";
  static final String BODY =
      "{\"model\":\"cached\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"clause 7\"}]}";

  @TempDir static Path dir;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(dir, ConsumerFixture.consumer("team", "sk-team", null));
    RoutingTable.Cache exact =
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null);
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            m ->
                TestTables.table(
                    List.of(TestTables.provider("mock", m.baseUrl(), true)),
                    List.of(TestTables.cachePolicy("cached", exact)),
                    List.of(policyRoute("cached", "cached", target("mock", "gpt-4o-mini", 0)))),
            "mock",
            null);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void theDriftEndpointNeedsNoConsumerKeyAndAlwaysReachesTheModel() throws Exception {
    long before = gateway.mock().attempts("gpt-4o-mini");

    HttpResponse<String> first =
        gateway.adminPost(DRIFT, BODY, "x-switchboard-target", "mock/gpt-4o-mini");
    HttpResponse<String> second =
        gateway.adminPost(DRIFT, BODY, "x-switchboard-target", "mock/gpt-4o-mini");

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-switchboard-provider")).hasValue("mock");
    // Both samples came from the model: a cached second one would hide drift between samples.
    assertThat(gateway.mock().attempts("gpt-4o-mini")).isEqualTo(before + 2);
    assertThat(second.headers().firstValue("x-switchboard-cache")).isEmpty();
  }

  @Test
  void thePublicPortStillWantsAConsumerKeyAndCachesItsAnswers() throws Exception {
    HttpResponse<String> missing = gateway.post("/v1/chat/completions", BODY);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(GatewayHarness.json(missing.body()).at("/error/code").asText())
        .isEqualTo("missing_api_key");
    // Naming a target on the public port does not make a request the operator's.
    HttpResponse<String> steered =
        gateway.post("/v1/chat/completions", BODY, "x-switchboard-target", "mock/gpt-4o-mini");
    assertThat(steered.statusCode()).isEqualTo(401);

    String body = BODY.replace("clause 7", "clause 8");
    HttpResponse<String> miss =
        gateway.post("/v1/chat/completions", body, "authorization", "Bearer sk-team");
    HttpResponse<String> hit =
        gateway.post("/v1/chat/completions", body, "authorization", "Bearer sk-team");
    assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
    assertThat(hit.headers().firstValue("x-switchboard-cache")).hasValue("hit");
  }
}
