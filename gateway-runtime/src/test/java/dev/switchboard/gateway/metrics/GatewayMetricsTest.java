package dev.switchboard.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {

  private final GatewayMetrics metrics = new GatewayMetrics();

  private static PlannedTarget target(String provider, String model, String arm) {
    return new PlannedTarget(
        TestTables.target(provider, model, 0),
        TestTables.provider(provider, "http://127.0.0.1:1/v1", false),
        arm);
  }

  private static RequestContext finished(PlannedTarget target, String outcome, String errorClass) {
    RequestContext ctx = new RequestContext("r", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.target(target);
    ctx.usage(new TokenUsage(10, 5, 2));
    ctx.costUsd(0.5);
    ctx.finish(errorClass == null ? 200 : 502, outcome, errorClass);
    return ctx;
  }

  /** The sample line of a series, by metric name prefix and a tag that must appear in it. */
  private String line(String prefix, String... fragments) {
    return Arrays.stream(metrics.scrape().split("\n"))
        .filter(l -> l.startsWith(prefix))
        .filter(l -> Arrays.stream(fragments).allMatch(l::contains))
        .findFirst()
        .orElse("<missing>");
  }

  @Test
  void repeatedRequestsAccumulateOnOneSeriesPerTagSet() {
    // Fresh contexts and fresh (equal) target records each time, as the request path creates them.
    metrics.request(finished(target("p", "m", "stable"), "success", null));
    metrics.request(finished(target("p", "m", "stable"), "success", null));
    metrics.request(finished(target("p", "m", "canary"), "success", null));

    String stable = "arm=\"stable\"";
    assertThat(
            line("gen_ai_client_operation_duration_seconds_count", stable, "outcome=\"success\""))
        .contains("provider=\"p\"", "target_model=\"m\"", "route=\"_none\"", "stream=\"false\"")
        .contains("operation=\"chat\"")
        .endsWith(" 2");
    assertThat(line("gen_ai_client_operation_duration_seconds_count", "arm=\"canary\""))
        .endsWith(" 1");
    assertThat(line("gen_ai_client_token_usage_tokens_sum", stable, "gen_ai_token_type=\"input\""))
        .endsWith(" 20.0");
    assertThat(line("gen_ai_client_token_usage_tokens_sum", stable, "gen_ai_token_type=\"cached\""))
        .endsWith(" 4.0");
    assertThat(line("switchboard_cost_usd_total", stable)).endsWith(" 1.0");
  }

  @Test
  void shadowCopiesAreCountedApartFromClientRequests() {
    metrics.request(finished(target("p", "m", "canary"), "success", null));
    RequestContext copy = finished(target("p", "m", "canary"), "success", null);
    copy.shadow(true);
    metrics.request(copy);
    metrics.request(copy);

    String canary = "arm=\"canary\"";
    assertThat(line("gen_ai_client_operation_duration_seconds_count", canary)).endsWith(" 3");
    assertThat(line("switchboard_shadow_copies_total", canary))
        .contains("route=\"_none\"", "provider=\"p\"", "target_model=\"m\"")
        .endsWith(" 2.0");
  }

  @Test
  void promptCacheReadsAndWritesHaveTokenTypesOfTheirOwn() {
    // Anthropic: 1000 input = 300 uncached + 400 cache reads + 300 cache writes.
    RequestContext ctx = new RequestContext("r", Operation.MESSAGES, new ManualClock());
    ctx.target(target("claude", "sonnet", "stable"));
    ctx.usage(new TokenUsage(1000, 50, 400, 0, 300));
    ctx.finish(200, "success", null);
    metrics.request(ctx);

    String claude = "provider=\"claude\"";
    assertThat(line("gen_ai_client_token_usage_tokens_sum", claude, "type=\"cache_creation\""))
        .endsWith(" 300.0");
    assertThat(line("gen_ai_client_token_usage_tokens_sum", claude, "type=\"cache_read\""))
        .endsWith(" 400.0");
    // The series queries were written for keep their values: input counts reads and writes.
    assertThat(line("gen_ai_client_token_usage_tokens_sum", claude, "type=\"input\""))
        .endsWith(" 1000.0");
    assertThat(line("gen_ai_client_token_usage_tokens_sum", claude, "type=\"output\""))
        .endsWith(" 50.0");
    assertThat(line("gen_ai_client_token_usage_tokens_sum", claude, "type=\"cached\""))
        .endsWith(" 400.0");
  }

  @Test
  void outcomesAndErrorClassesGetTheirOwnSeriesAndUnusedMetersStayAbsent() {
    PlannedTarget t = target("p", "m", "stable");
    metrics.request(finished(t, "success", null));
    metrics.request(finished(t, "error", "upstream_5xx"));

    assertThat(line("gen_ai_client_operation_duration_seconds_count", "outcome=\"success\""))
        .endsWith(" 1");
    assertThat(line("gen_ai_client_operation_duration_seconds_count", "outcome=\"error\""))
        .endsWith(" 1");
    assertThat(line("switchboard_errors_total", "error_class=\"upstream_5xx\"")).endsWith(" 1.0");
    // Nothing streamed and nothing refused: those series must not appear (the uncached code
    // registered meters only when used, and dashboards rely on absent series).
    String scrape = metrics.scrape();
    assertThat(scrape)
        .doesNotContain("gen_ai_server_time_to_first_token")
        .doesNotContain("gen_ai_server_time_per_output_token")
        .doesNotContain("switchboard_refusals");
  }

  /**
   * Time to first token carries the request's {@code operation}, as the request duration does: a
   * streamed chat and a streamed stored-response retrieve (same target) are two series.
   */
  @Test
  void timeToFirstTokenIsTaggedWithTheOperation() {
    ManualClock clock = new ManualClock();
    PlannedTarget t = target("p", "m", "stable");
    RequestContext chat = new RequestContext("c", Operation.CHAT_COMPLETIONS, clock);
    RequestContext retrieve =
        new RequestContext("s", Operation.RESPONSES, "response_retrieve", clock);
    for (RequestContext ctx : List.of(chat, retrieve)) {
      ctx.target(t);
      ctx.stream(true);
    }
    clock.advance(300);
    chat.firstToken();
    clock.advance(200);
    retrieve.firstToken();
    chat.finish(200, "success", null);
    retrieve.finish(200, "success", null);
    metrics.request(chat);
    metrics.request(retrieve);

    String ttft = "gen_ai_server_time_to_first_token_seconds_sum";
    assertThat(line(ttft, "operation=\"chat\"")).contains("provider=\"p\"").endsWith(" 0.3");
    assertThat(line(ttft, "operation=\"response_retrieve\"")).endsWith(" 0.5");
    assertThat(line("gen_ai_server_time_to_first_token_seconds_count", "operation=\"chat\""))
        .endsWith(" 1");
  }

  /**
   * Time per output token carries the request's {@code operation} as time to first token does: a
   * streamed chat and a streamed stored-response retrieve of the same target are two series, each
   * with its own figure (9 output tokens after the first in 0.9 s and 1.8 s).
   */
  @Test
  void timePerOutputTokenIsTaggedWithTheOperation() {
    ManualClock clock = new ManualClock();
    PlannedTarget t = target("p", "m", "stable");
    RequestContext chat = new RequestContext("c", Operation.CHAT_COMPLETIONS, clock);
    RequestContext retrieve =
        new RequestContext("s", Operation.RESPONSES, "response_retrieve", clock);
    for (RequestContext ctx : List.of(chat, retrieve)) {
      ctx.target(t);
      ctx.stream(true);
      ctx.usage(new TokenUsage(5, 10, 0, 0, 0));
      ctx.firstToken();
    }
    clock.advance(900);
    chat.finish(200, "success", null);
    clock.advance(900);
    retrieve.finish(200, "success", null);
    metrics.request(chat);
    metrics.request(retrieve);

    String tpot = "gen_ai_server_time_per_output_token_seconds_sum";
    assertThat(line(tpot, "operation=\"chat\"")).contains("provider=\"p\"").endsWith(" 0.1");
    assertThat(line(tpot, "operation=\"response_retrieve\"")).endsWith(" 0.2");
    assertThat(line("gen_ai_server_time_per_output_token_seconds_count", "operation=\"chat\""))
        .endsWith(" 1");
  }

  @Test
  void requestWithoutTargetIsCountedUnderNone() {
    RequestContext ctx = new RequestContext("r", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.finish(404, "error", "route_not_found");
    metrics.request(ctx);
    metrics.request(ctx);

    assertThat(line("switchboard_errors_total", "error_class=\"route_not_found\""))
        .contains(
            "route=\"_none\"", "provider=\"_none\"", "target_model=\"_none\"", "arm=\"_none\"")
        .endsWith(" 2.0");
    assertThat(metrics.scrape()).doesNotContain("gen_ai_client_token_usage");
  }

  /**
   * A ModelRoute may be named {@code none} (a valid Kubernetes name): its requests keep series of
   * their own, apart from those of requests that resolved no route (a stored-response call, an
   * unknown model), which no route name can take.
   */
  @Test
  void aRouteNamedNoneKeepsItsOwnSeries() {
    RoutingTable.Route none =
        new RoutingTable.Route("none", "none", List.of(), null, 1, List.of(), List.of(), null);
    PlannedTarget t = target("p", "m", "stable");
    RequestContext routed = finished(t, "error", "upstream_5xx");
    routed.route(new ResolvedRoute(none, null, List.of(t), List.of(), "route"));
    metrics.request(routed);
    RequestContext unrouted =
        new RequestContext("r", Operation.CHAT_COMPLETIONS, new ManualClock());
    unrouted.finish(404, "error", "upstream_5xx");
    metrics.request(unrouted);
    metrics.request(unrouted);

    assertThat(line("switchboard_errors_total", "route=\"none\""))
        .contains("provider=\"p\"", "arm=\"stable\"")
        .endsWith(" 1.0");
    assertThat(line("switchboard_errors_total", "route=\"" + GatewayMetrics.NONE + "\""))
        .contains("provider=\"_none\"")
        .endsWith(" 2.0");
    assertThat(line("gen_ai_client_operation_duration_seconds_count", "route=\"none\""))
        .endsWith(" 1");
  }

  /** The distinct series on the scrape (sample lines, comments aside). */
  private long series() {
    return Arrays.stream(metrics.scrape().split("\n")).filter(l -> !l.startsWith("#")).count();
  }

  /**
   * A request of route {@code name} served by {@code provider/model}, as the request path has it.
   */
  private void served(String name, String provider, String model, String cache) {
    RoutingTable.Route route =
        TestTables.route(name, List.of(), TestTables.target(provider, model, 0));
    PlannedTarget t = target(provider, model, "stable");
    RequestContext ctx = finished(t, "error", "upstream_5xx");
    ctx.route(new ResolvedRoute(route, null, List.of(t), List.of(), "route"));
    metrics.request(ctx);
    metrics.attempt(ctx, t, "upstream_5xx");
    metrics.cache(name, cache, 0.1, 5);
    metrics.cacheEmbedding(name, "local", GatewayMetrics.EMBEDDING_OK, 0.0001);
  }

  private static RoutingTable tableOf(String route, String provider, String model) {
    return TestTables.table(
        List.of(TestTables.provider(provider, "http://127.0.0.1:1/v1", false)),
        List.of(TestTables.route(route, List.of(), TestTables.target(provider, model, 0))));
  }

  /**
   * Routes come and go (created and deleted over months, renamed, a model upgraded): after each
   * reload /metrics holds the series of the routes and targets the table has, not of every one it
   * ever had, so the scrape does not grow with the number of reloads.
   */
  @Test
  void seriesOfRoutesAndTargetsGoneFromTheTableStopBeingExported() {
    served("kept", "p", "m", "hit");
    metrics.retainOnly(tableOf("kept", "p", "m"));
    long steady = series();

    for (int i = 0; i < 20; i++) {
      String route = "route-" + i;
      served(route, "p" + i, "m", "hit");
      // The kept route's model upgraded: its old target goes, its new one comes.
      served("kept", "p", "m" + i, "hit");
      RoutingTable next =
          TestTables.table(
              List.of(TestTables.provider("p", "http://127.0.0.1:1/v1", false)),
              List.of(TestTables.route("kept", List.of(), TestTables.target("p", "m", 0))));
      metrics.retainOnly(next);
    }

    assertThat(series()).isEqualTo(steady);
    assertThat(metrics.scrape())
        .contains("route=\"kept\"", "target_model=\"m\"")
        .doesNotContain("route-", "target_model=\"m0\"", "target_model=\"m19\"");
    // What stays keeps counting on the same series.
    served("kept", "p", "m", "hit");
    assertThat(series()).isEqualTo(steady);
    assertThat(line("switchboard_cache_requests_total", "route=\"kept\"", "outcome=\"hit\""))
        .endsWith(" 22.0");
  }

  /**
   * A meter a request registered on meters fetched before a reload forgot them (the race between a
   * finishing request and the reload) is found by its tags and goes with the next reload.
   */
  @Test
  void aSeriesRegisteredPastTheMapsGoesWithTheNextReload() {
    io.micrometer.core.instrument.Counter.builder("switchboard_upstream_attempts")
        .tags("route", "gone", "provider", "p", "target_model", "m", "arm", "stable")
        .tag("outcome", "success")
        .register(metrics.registry())
        .increment();
    served("kept", "p", "m", "hit");

    metrics.retainOnly(tableOf("kept", "p", "m"));

    assertThat(metrics.scrape()).doesNotContain("route=\"gone\"").contains("route=\"kept\"");
  }
}
