package dev.switchboard.gateway.routing;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.TestTables;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingStateTest {

  private final RoutingState state = new RoutingState(Clock.systemUTC());
  private final List<ReloadResult> reloads = new ArrayList<>();

  {
    state.addReloadListener(reloads::add);
  }

  private static RoutingTable table(String model) {
    return TestTables.table(
        List.of(provider("p", "http://127.0.0.1:1/v1", true)),
        List.of(route(model, List.of(model + "-alias"), target("p", "m", 0))));
  }

  @Test
  void appliesAValidTableThenReportsAnIdenticalOneAsUnchanged() {
    assertThat(state.current()).isEmpty();
    byte[] doc = RoutingTableCodec.encode(table("a"));

    assertThat(state.apply(doc, "test").result()).isEqualTo(ReloadResult.APPLIED);
    assertThat(state.current())
        .get()
        .extracting(RoutingSnapshot::modelNames)
        .isEqualTo(List.of("a", "a-alias"));
    assertThat(state.apply(doc, "test").result()).isEqualTo(ReloadResult.UNCHANGED);
    assertThat(reloads)
        .extracting(ReloadResult::result)
        .containsExactly(ReloadResult.APPLIED, ReloadResult.UNCHANGED);
  }

  /**
   * Preparation steps run with each new table before it serves (requests cannot see it yet), in
   * order, not for an unchanged one; a step that throws is logged and the table serves all the
   * same, with the steps after it run.
   */
  @Test
  void preparationRunsBeforeTheTableServesAndAFailingStepDoesNotStopIt() {
    List<String> seen = new ArrayList<>();
    state.beforeServing(
        t -> {
          seen.add(state.current().map(RoutingSnapshot::configVersion).orElse("none"));
          throw new IllegalStateException("a step that fails");
        });
    state.beforeServing(t -> seen.add("prepared " + t.configVersion()));
    RoutingTable a = table("a");
    byte[] doc = RoutingTableCodec.encode(a);

    assertThat(state.apply(doc, "test").result()).isEqualTo(ReloadResult.APPLIED);
    state.apply(doc, "test");

    assertThat(seen).containsExactly("none", "prepared " + a.configVersion());
    assertThat(state.current().orElseThrow().configVersion()).isEqualTo(a.configVersion());
  }

  @Test
  void invalidDocumentsAreRejectedAndThePreviousSnapshotKeepsServing() {
    state.apply(RoutingTableCodec.encode(table("a")), "test");
    RoutingSnapshot before = state.current().orElseThrow();

    ReloadResult notJson = state.apply("{oops".getBytes(StandardCharsets.UTF_8), "test");
    RoutingTable unknownProvider =
        new RoutingTable(
            1,
            null,
            "ns",
            Map.of(),
            Map.of(),
            List.of(route("b", List.of(), target("nope", "m", 0))));
    ReloadResult invalid = state.apply(RoutingTableCodec.encode(unknownProvider), "test");
    ReloadResult futureSchema =
        state.apply("{\"schemaVersion\":99}".getBytes(StandardCharsets.UTF_8), "test");

    assertThat(List.of(notJson, invalid, futureSchema))
        .allSatisfy(r -> assertThat(r.result()).isEqualTo(ReloadResult.REJECTED));
    assertThat(invalid.problems()).anyMatch(p -> p.contains("provider 'nope' is not in the table"));
    assertThat(state.current()).containsSame(before);
    assertThat(state.lastReload()).get().extracting(ReloadResult::result).isEqualTo("rejected");
  }

  /**
   * A provider base URL carrying a credential — Gemini's {@code ?key=}, or userinfo — never reaches
   * an upstream call, so no connect error, log line, metric or status can carry it: the gateway's
   * own check refuses the table (file mode too, where no operator looked), without quoting the URL,
   * and the previous table keeps serving.
   */
  @Test
  void aBaseUrlWithACredentialIsRefusedWithoutQuotingIt() {
    state.apply(RoutingTableCodec.encode(table("a")), "test");
    RoutingSnapshot before = state.current().orElseThrow();
    for (String url :
        List.of(
            "https://generativelanguage.googleapis.com/v1beta?key=AIzaS3cret",
            "https://user:S3cret@api.example.com/v1",
            "https://S3cret@api.example.com/v1",
            "https://api.example.com/v1#S3cret",
            "https://user:S3cret@api.example .com/v1")) {
      ReloadResult result =
          state.apply(
              RoutingTableCodec.encode(
                  TestTables.table(
                      List.of(provider("p", url, true)),
                      List.of(route("b", List.of(), target("p", "m", 0))))),
              "file");
      assertThat(result.result()).as(url).isEqualTo(ReloadResult.REJECTED);
      assertThat(String.join("\n", result.problems())).as(url).doesNotContain("S3cret");
    }
    assertThat(state.current()).containsSame(before);
  }

  /**
   * A hand-written table (file mode: the operator's names never hold '_') naming a route or a
   * provider {@code _none}, the metrics' label for a request without one, would merge its series
   * with those: it is refused with a message saying so, and the previous table keeps serving.
   */
  @Test
  void aRouteOrProviderNamedAsTheMetricsNoneIsRefusedAndThePreviousTableKeepsServing() {
    state.apply(RoutingTableCodec.encode(table("a")), "test");
    RoutingSnapshot before = state.current().orElseThrow();

    ReloadResult route = state.apply(RoutingTableCodec.encode(table("_none")), "file");
    ReloadResult provider =
        state.apply(
            RoutingTableCodec.encode(
                TestTables.table(
                    List.of(provider("_none", "http://127.0.0.1:1/v1", true)),
                    List.of(route("b", List.of(), target("_none", "m", 0))))),
            "file");

    assertThat(route.result()).isEqualTo(ReloadResult.REJECTED);
    assertThat(route.problems())
        .singleElement()
        .asString()
        .contains("route _none", "'_none' is reserved", "rename the route");
    assertThat(provider.result()).isEqualTo(ReloadResult.REJECTED);
    assertThat(provider.problems())
        .singleElement()
        .asString()
        .contains("provider _none", "'_none' is reserved", "rename the provider");
    assertThat(state.current()).containsSame(before);
    // A name that merely contains it is the user's own.
    assertThat(state.apply(RoutingTableCodec.encode(table("a_none")), "file").result())
        .isEqualTo(ReloadResult.APPLIED);
  }

  @Test
  void theConfigVersionIsRecomputedFromContent() {
    String tampered =
        RoutingTableCodec.encodeToString(table("a"))
            .replaceFirst("\"configVersion\":\"[^\"]+\"", "\"configVersion\":\"sha256:bogus\"");
    state.apply(tampered.getBytes(StandardCharsets.UTF_8), "test");
    assertThat(state.current().orElseThrow().configVersion())
        .isEqualTo(RoutingTableCodec.configVersionOf(table("a")));
  }

  /**
   * The operator publishes the table that stops using a provider before the keys without it, but
   * the gateway reads the two apart (a large table decodes for a while; it may be rejected): a key
   * the served table still uses stays until a table without it is served — also when the keys
   * Secret is deleted — while new and rotated keys apply at once.
   */
  @Test
  void aKeyTheServedTableStillUsesStaysUntilATableWithoutItIsServed() {
    RoutingTable both =
        TestTables.table(
            List.of(
                provider("a", "http://127.0.0.1:1/v1", true),
                provider("b", "http://127.0.0.1:2/v1", true)),
            List.of(route("x", List.of(), target("a", "m", 0), target("b", "m", 1))));
    RoutingTable onlyB =
        TestTables.table(
            List.of(provider("b", "http://127.0.0.1:2/v1", true)),
            List.of(route("x", List.of(), target("b", "m", 0))));
    state.onProviderKeys(Map.of("a", "sk-a", "b", "sk-b"), "test");
    state.apply(RoutingTableCodec.encode(both), "test");

    // The keys without a arrive before the table without it is served.
    state.onProviderKeys(Map.of("b", "sk-b2"), "test");
    assertThat(state.keys().keyFor("a")).contains("sk-a");
    assertThat(state.keys().keyFor("b")).contains("sk-b2");
    // A deleted keys Secret leaves the keys the served table needs.
    state.onProviderKeys(Map.of(), "test");
    assertThat(state.keys().keyFor("a")).contains("sk-a");
    assertThat(state.keys().keyFor("b")).contains("sk-b2");
    state.onProviderKeys(Map.of("b", "sk-b2"), "test");

    state.apply(RoutingTableCodec.encode(onlyB), "test");
    assertThat(state.keys().keyFor("a")).isEmpty();
    assertThat(state.keys().keyFor("b")).contains("sk-b2");
  }

  @Test
  void keysAreSwappedWholeAndNeverPrinted() {
    state.onProviderKeys(Map.of("p", " sk-secret\n", "blank", ""), "test");
    assertThat(state.keys().keyFor("p")).contains("sk-secret");
    assertThat(state.keys().keyFor("blank")).isEmpty();
    assertThat(state.keys().toString()).doesNotContain("sk-secret").contains("p");

    state.onProviderKeys(Map.of("q", "sk-other"), "test");
    assertThat(state.keys().keyFor("p")).isEmpty();
    assertThat(state.keys().keyFor("q")).contains("sk-other");
  }
}
