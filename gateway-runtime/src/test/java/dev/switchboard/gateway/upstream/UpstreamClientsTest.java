package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
        connectMs == null ? null : new RoutingTable.Timeouts(connectMs, null, null, null));
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

  @Test
  void eachEventLoopGetsItsOwnPoolOfAProvider() throws Exception {
    RoutingTable.Provider provider = https("a", null);
    // Verticle instances are spread round-robin over the event loops, as the gateway's are.
    List<Context> contexts = new CopyOnWriteArrayList<>();
    vertx
        .deployVerticle(
            () ->
                new VerticleBase() {
                  @Override
                  public Future<?> start() {
                    contexts.add(context);
                    return Future.succeededFuture();
                  }
                },
            new DeploymentOptions().setInstances(2))
        .await(10, TimeUnit.SECONDS);
    Context one = contexts.get(0);
    Context two = contexts.get(1);
    assertThat(loopOf(one)).isNotEqualTo(loopOf(two));

    HttpClientAgent onOne = on(one, () -> clients.clientFor(provider));
    HttpClientAgent onTwo = on(two, () -> clients.clientFor(provider));

    assertThat(onOne).isNotSameAs(onTwo);
    assertThat(on(one, () -> clients.clientFor(provider))).isSameAs(onOne);
    assertThat(on(two, () -> clients.clientFor(provider))).isSameAs(onTwo);
    // Off the event loops (here: the test thread) callers share a third pool.
    assertThat(clients.clientFor(provider)).isNotSameAs(onOne).isNotSameAs(onTwo);
    assertThat(clients.poolCount()).isEqualTo(1);
  }

  private static Thread loopOf(Context context) throws Exception {
    return on(context, Thread::currentThread);
  }

  private static <T> T on(Context context, Supplier<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(action.get()));
    return result.get(10, TimeUnit.SECONDS);
  }
}
