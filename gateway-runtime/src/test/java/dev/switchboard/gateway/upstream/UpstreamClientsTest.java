package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UpstreamClientsTest {

  private final Vertx vertx = Vertx.vertx();
  private final UpstreamClients clients = new UpstreamClients(vertx);

  @AfterEach
  void stop() throws Exception {
    clients.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private static RoutingTable.Provider https(String name, Long connectMs) {
    return TestTables.provider(
        name,
        "openai",
        "https://api.example.com/v1",
        true,
        Map.of(),
        connectMs == null ? null : new RoutingTable.Timeouts(connectMs, null, null));
  }

  @Test
  void onePoolPerProviderShapeAndStalePoolsAreRetired() {
    var first = clients.clientFor(https("a", null));
    assertThat(clients.clientFor(https("a", null))).isSameAs(first);
    var other = clients.clientFor(https("a", 1_000L));
    assertThat(other).isNotSameAs(first);
    clients.clientFor(TestTables.provider("b", "http://127.0.0.1:8000/v1", false));
    assertThat(clients.poolCount()).isEqualTo(3);

    RoutingTable next =
        TestTables.table(
            List.of(https("a", 1_000L)),
            List.of(TestTables.route("r", List.of(), TestTables.target("a", "m", 0))));
    clients.retainOnly(next, 0, 0);

    assertThat(clients.poolCount()).isEqualTo(1);
    assertThat(clients.clientFor(https("a", 1_000L))).isSameAs(other);
  }

  @Test
  void aProviderRecordKeepsItsPoolUntilAReloadRetiresIt() {
    RoutingTable.Provider old = https("a", null);
    var first = clients.clientFor(old);
    assertThat(clients.clientFor(old)).isSameAs(first);

    RoutingTable next =
        TestTables.table(
            List.of(https("a", 1_000L)),
            List.of(TestTables.route("r", List.of(), TestTables.target("a", "m", 0))));
    clients.retainOnly(next, 0, 0);

    // The retired pool must not be handed out again from the per-record cache.
    assertThat(clients.clientFor(old)).isNotSameAs(first);
  }
}
