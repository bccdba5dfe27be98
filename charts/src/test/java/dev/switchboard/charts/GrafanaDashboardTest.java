package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.SkipReason;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard parses and queries only metrics that Switchboard exports. */
class GrafanaDashboardTest {

  /**
   * Base names as exported for Prometheus by the gateway (GatewayMetrics and ResilienceRegistry in
   * gateway-runtime; Micrometer turns "." into "_" and appends "_seconds" and "_total") and the
   * operator's canary weight (issue 6).
   */
  private static final Set<String> KNOWN_METRICS =
      Set.of(
          "gen_ai_client_operation_duration_seconds",
          "gen_ai_client_token_usage_tokens",
          "gen_ai_server_time_to_first_token_seconds",
          "gen_ai_server_time_per_output_token_seconds",
          "switchboard_cost_usd_total",
          "switchboard_upstream_attempts_total",
          "switchboard_shadow_copies_total",
          "switchboard_upstream_errors_total",
          "switchboard_errors_total",
          "switchboard_config_reload_total",
          "switchboard_config_version_info",
          "switchboard_circuit_breaker_state",
          "switchboard_canary_weight");

  /** Label names those metrics carry. */
  private static final Set<String> KNOWN_LABELS =
      Set.of(
          "le",
          "route",
          "arm",
          "outcome",
          "error_class",
          "result",
          "config_version",
          "provider",
          "target_model",
          "gen_ai_token_type",
          "target",
          "state",
          "operation");

  /** Series Prometheus derives from a histogram or summary. */
  private static final List<String> SERIES_SUFFIXES = List.of("", "_bucket", "_sum", "_count");

  /** Identifiers that look like metric names: anything with our prefixes. */
  private static final Pattern METRIC = Pattern.compile("\\b(?:gen_ai|switchboard)_[a-z0-9_]+");

  /** Grouping clauses and label matchers, whose label names must exist. */
  private static final Pattern GROUPING = Pattern.compile("\\bby \\(([^)]*)\\)");

  private static final Pattern MATCHER = Pattern.compile("[{,]\\s*([a-z_]+)\\s*(?:=~|!=|!~|=)");

  private static final ObjectMapper JSON = new ObjectMapper();

  static String dashboardText() throws IOException {
    return Files.readString(Charts.chartDir().resolve("dashboards/switchboard.json"));
  }

  @Test
  void everyQueryReferencesOnlyKnownMetrics() throws IOException {
    JsonNode dashboard = JSON.readTree(dashboardText());

    List<String> expressions = expressions(dashboard);
    assertThat(expressions).hasSizeGreaterThanOrEqualTo(10);
    Set<String> used = new TreeSet<>();
    for (String expression : expressions) {
      // Label names live in matchers and grouping clauses, not metric positions.
      String withoutLabels =
          GROUPING.matcher(expression.replaceAll("\\{[^}]*}", "{}")).replaceAll("by ()");
      Matcher matcher = METRIC.matcher(withoutLabels);
      while (matcher.find()) {
        String name = matcher.group();
        assertThat(isKnown(name)).as("unknown metric %s in %s", name, expression).isTrue();
        used.add(name);
      }
    }
    assertThat(used).as("every panel queries something").isNotEmpty();
  }

  @Test
  void groupingAndMatchersUseOnlyKnownLabels() throws IOException {
    List<String> expressions = expressions(JSON.readTree(dashboardText()));

    Set<String> labels = new TreeSet<>();
    for (String expression : expressions) {
      Matcher grouping = GROUPING.matcher(expression);
      while (grouping.find()) {
        for (String label : grouping.group(1).split(",")) {
          labels.add(label.strip());
        }
      }
      Matcher matcher = MATCHER.matcher(expression);
      while (matcher.find()) {
        labels.add(matcher.group(1));
      }
    }
    assertThat(labels).contains("route", "error_class", "target_model", "gen_ai_token_type");
    assertThat(KNOWN_LABELS).containsAll(labels);
  }

  @Test
  void coversTheFiguresOperatorsAskFor() throws IOException {
    JsonNode dashboard = JSON.readTree(dashboardText());
    String queries = String.join("\n", expressions(dashboard));

    assertThat(queries)
        .contains("gen_ai_client_operation_duration_seconds_count") // requests
        .contains(
            "sum by (error_class, provider) (rate(switchboard_upstream_errors_total") // errors by
        // class
        .contains("gen_ai_server_time_to_first_token_seconds_bucket") // TTFT
        .contains("gen_ai_server_time_per_output_token_seconds_sum") // tokens/s
        .contains("sum by (route) (rate(switchboard_cost_usd_total") // cost per route
        .contains("switchboard_circuit_breaker_state") // breakers
        .contains("switchboard_canary_weight"); // canaries
  }

  /**
   * The stored-response calls ({@code GET}/{@code DELETE /v1/responses/{id}}, {@code input_items},
   * {@code cancel}) count in the request metrics with {@code route="_none"}: every selector over
   * the route variable (whose "All" is {@code .*}) and the variable's own values leave them out,
   * since those panels mean model calls; a panel of their own shows them.
   */
  @Test
  void modelCallPanelsLeaveTheStoredResponseCallsOut() throws IOException {
    List<String> expressions = expressions(JSON.readTree(dashboardText()));

    Pattern selector = Pattern.compile("\\{[^}]*}");
    int routeSelectors = 0;
    for (String expression : expressions) {
      Matcher m = selector.matcher(expression);
      while (m.find()) {
        if (m.group().contains("$route") || expression.startsWith("label_values(")) {
          routeSelectors++;
          assertThat(m.group()).as(expression).contains("route!=\"_none\"");
        }
      }
      if (expression.startsWith("label_values(")) {
        assertThat(expression).contains("route!=\"_none\"");
      }
    }
    assertThat(routeSelectors).isGreaterThanOrEqualTo(10);
    assertThat(expressions)
        .anyMatch(
            e ->
                e.contains("gen_ai_client_operation_duration_seconds_count{route=\"_none\"}")
                    && e.contains("by (operation, outcome)"));
  }

  /**
   * The outcomes of {@code switchboard_upstream_attempts_total} that are no upstream call: a canary
   * target the failover chain passed by, counted as a failed canary attempt for the canary analysis
   * (the gateway's AttemptAccounting counts exactly these, from the same enumeration).
   */
  private static final Set<String> SKIP_OUTCOMES =
      new TreeSet<>(SkipReason.canaryAttemptOutcomes());

  /**
   * "Upstream attempts per request" shows upstream calls: the canary skips counted among the
   * attempts are left out of its ratio (every one of them), and shown as a series of their own.
   */
  @Test
  void theAttemptsPerRequestPanelLeavesCanarySkipsOutAndShowsThemApart() throws IOException {
    JsonNode panel = null;
    for (JsonNode p : JSON.readTree(dashboardText()).path("panels")) {
      if ("Upstream attempts per request".equals(p.path("title").asText())) {
        panel = p;
      }
    }
    assertThat(panel).as("the attempts per request panel").isNotNull();
    Pattern attempts = Pattern.compile("switchboard_upstream_attempts_total\\{([^}]*)}");
    Pattern outcome = Pattern.compile("outcome(=~|!~)\"([^\"]*)\"");
    List<String> excluded = new ArrayList<>();
    List<String> shown = new ArrayList<>();
    for (JsonNode target : panel.path("targets")) {
      String expr = target.path("expr").asText();
      Matcher m = attempts.matcher(expr);
      assertThat(m.find()).as(expr).isTrue();
      Matcher o = outcome.matcher(m.group(1));
      assertThat(o.find()).as("every attempts selector says which outcomes: %s", expr).isTrue();
      Set<String> outcomes = new TreeSet<>(List.of(o.group(2).split("\\|")));
      assertThat(outcomes).isEqualTo(SKIP_OUTCOMES);
      (o.group(1).equals("!~") ? excluded : shown).add(target.path("legendFormat").asText());
    }
    assertThat(excluded).containsExactly("{{route}}");
    assertThat(shown).singleElement().asString().contains("skips");
  }

  /**
   * A shadow canary's copies are one attempt and one request duration each of the canary arm (the
   * canary analysis counts them there) but no client request: "Upstream attempts per request" takes
   * them off its attempts and off the requests it divides by.
   */
  @Test
  void theAttemptsPerRequestPanelLeavesShadowCopiesOut() throws IOException {
    Pattern requests =
        Pattern.compile(
            "/ \\(sum by \\(route\\) \\(rate\\(gen_ai_client_operation_duration_seconds_count"
                + "\\{[^}]*}\\[\\$__rate_interval]\\)\\) - \\(sum by \\(route\\)"
                + " \\(rate\\(switchboard_shadow_copies_total\\{");
    Pattern attemptsLessCopies =
        Pattern.compile(
            "switchboard_upstream_attempts_total\\{[^}]*outcome!~[^}]*}\\[\\$__rate_interval]"
                + "\\)\\) - \\(sum by \\(route\\) \\(rate\\(switchboard_shadow_copies_total\\{");
    int panels = 0;
    for (JsonNode p : JSON.readTree(dashboardText()).path("panels")) {
      if (!"Upstream attempts per request".equals(p.path("title").asText())) {
        continue;
      }
      panels++;
      for (JsonNode target : p.path("targets")) {
        String expr = target.path("expr").asText();
        assertThat(requests.matcher(expr).find())
            .as("divided by client requests, shadow copies taken off: %s", expr)
            .isTrue();
        if (expr.contains("outcome!~")) {
          assertThat(attemptsLessCopies.matcher(expr).find())
              .as("upstream calls, shadow copies taken off: %s", expr)
              .isTrue();
        }
      }
    }
    assertThat(panels).isOne();
  }

  /** The panels that show what clients sent and got, as opposed to upstream calls or spend. */
  private static final List<String> CLIENT_PANELS =
      List.of(
          "Requests per second by route",
          "Error ratio by route",
          "Client-facing errors by class",
          "Request duration p95 by route",
          "Traffic by arm (stable / canary)");

  /**
   * A shadow canary's copies are requests, durations (and, failed, client-facing errors) of its
   * canary arm, though they answer no client: every client panel reads those series only through
   * the clause that drops a (route, provider, target_model, arm) with copies in the window (a
   * shadow canary's arm answers no client, so all its requests are copies). Spend, tokens, the
   * per-model speed panels and upstream errors keep them: copies are real upstream calls.
   */
  @Test
  void clientPanelsReadRequestSeriesOnlyWithoutShadowCopies() throws IOException {
    Pattern clientSeries =
        Pattern.compile(
            "(gen_ai_client_operation_duration_seconds_(?:count|bucket)|switchboard_errors_total)"
                + "\\{");
    Pattern withoutCopies =
        Pattern.compile(
            "\\(rate\\((gen_ai_client_operation_duration_seconds_(?:count|bucket)"
                + "|switchboard_errors_total)\\{[^}]*}\\[\\$__rate_interval]\\) unless on \\(route,"
                + " provider, target_model, arm\\) \\(rate\\(switchboard_shadow_copies_total\\{[^}]*}"
                + "\\[\\$__rate_interval]\\) > 0\\)\\)");
    for (String title : CLIENT_PANELS) {
      JsonNode panel = panel(title);
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        int reads = count(clientSeries.matcher(expr));
        assertThat(count(withoutCopies.matcher(expr)))
            .as("%s: every client series read without shadow copies: %s", title, expr)
            .isEqualTo(reads);
      }
    }
  }

  /**
   * The client panels evaluated by Prometheus's own engine ({@code promtool test rules}) over two
   * routes: {@code split} (a split canary, whose arm answers clients, and a counter of copies left
   * from an earlier shadow canary that no longer grows) and {@code mirror} (a shadow canary whose
   * copies are 3 of its 5 requests a second, 1 of them failed and all slow). Skipped without
   * promtool (the Debian {@code prometheus} package has it; {@code .ci/run} installs it).
   */
  @Test
  void clientPanelsCountNoShadowCopyEvaluatedByPrometheus() throws Exception {
    Optional<Path> promtool = onPath("promtool");
    Assumptions.assumeTrue(promtool.isPresent(), "promtool is not installed: skipped");
    StringBuilder yaml = new StringBuilder();
    yaml.append("rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n")
        .append("    input_series:\n");
    String stable = "route=\"%s\",provider=\"openai\",target_model=\"gpt-4o\",arm=\"stable\"";
    String canary = "route=\"%s\",provider=\"openai\",target_model=\"gpt-5\",arm=\"canary\"";
    String split = "split";
    String mirror = "mirror";
    // split: stable 1/s answered + 0.1/s failed (timeout), canary 0.5/s answered; all fast.
    series(yaml, DURATION_COUNT, stable, split, ",outcome=\"success\"", "0+60x10");
    series(yaml, DURATION_COUNT, stable, split, ",outcome=\"error\"", "0+6x10");
    series(yaml, DURATION_COUNT, canary, split, ",outcome=\"success\"", "0+30x10");
    series(yaml, ERRORS, stable, split, ",error_class=\"timeout\"", "0+6x10");
    series(yaml, COPIES, canary, split, "", "100x10");
    fast(yaml, stable, split, "0+66x10");
    fast(yaml, canary, split, "0+30x10");
    // mirror: stable 2/s answered, fast; copies 2/s answered + 1/s failed, slow.
    series(yaml, DURATION_COUNT, stable, mirror, ",outcome=\"success\"", "0+120x10");
    series(yaml, DURATION_COUNT, canary, mirror, ",outcome=\"success\"", "0+120x10");
    series(yaml, DURATION_COUNT, canary, mirror, ",outcome=\"error\"", "0+60x10");
    series(yaml, ERRORS, canary, mirror, ",error_class=\"upstream_error\"", "0+60x10");
    series(yaml, COPIES, canary, mirror, "", "0+180x10");
    fast(yaml, stable, mirror, "0+120x10");
    series(yaml, DURATION_BUCKET, canary, mirror, ",le=\"0.5\"", "0x10");
    series(yaml, DURATION_BUCKET, canary, mirror, ",le=\"10\"", "0+180x10");
    series(yaml, DURATION_BUCKET, canary, mirror, ",le=\"+Inf\"", "0+180x10");
    yaml.append("    promql_expr_test:\n");
    expect(
        yaml, "Requests per second by route", 0, "{route=\"split\"}", 1.6, "{route=\"mirror\"}", 2);
    // mirror's clients got no error: 0 (with its copies it read 0.2; then it showed no series).
    expect(yaml, "Error ratio by route", 0, "{route=\"split\"}", 0.0625, "{route=\"mirror\"}", 0);
    expect(yaml, "Client-facing errors by class", 0, "{error_class=\"timeout\"}", 0.1);
    // Fast answers fill the first bucket: its p95 by linear interpolation is 0.475 s.
    expect(
        yaml,
        "Request duration p95 by route",
        0,
        "{route=\"split\"}",
        0.475,
        "{route=\"mirror\"}",
        0.475);
    expect(
        yaml,
        "Traffic by arm (stable / canary)",
        0,
        "{route=\"split\",arm=\"stable\"}",
        1.1,
        "{route=\"split\",arm=\"canary\"}",
        0.5,
        "{route=\"mirror\",arm=\"stable\"}",
        2);
    expect(
        yaml,
        "Traffic by arm (stable / canary)",
        1,
        "{route=\"split\"}",
        0,
        "{route=\"mirror\"}",
        3);
    assertPromtoolPasses(promtool.get(), yaml);
    assertThat(panel("Traffic by arm (stable / canary)").path("targets"))
        .as("the copies shown apart")
        .hasSize(2);
  }

  /**
   * A route with traffic and no error shows an error ratio of 0, not an empty panel (which reads as
   * "no data"): {@code calm} has only successes and never had an error series.
   */
  @Test
  void theErrorRatioOfARouteWithTrafficAndNoErrorIsZeroEvaluatedByPrometheus() throws Exception {
    Optional<Path> promtool = onPath("promtool");
    Assumptions.assumeTrue(promtool.isPresent(), "promtool is not installed: skipped");
    StringBuilder yaml = new StringBuilder();
    yaml.append("rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n")
        .append("    input_series:\n");
    String stable = "route=\"%s\",provider=\"openai\",target_model=\"gpt-4o\",arm=\"stable\"";
    series(yaml, DURATION_COUNT, stable, "calm", ",outcome=\"success\"", "0+60x10");
    series(yaml, DURATION_COUNT, stable, "flaky", ",outcome=\"success\"", "0+54x10");
    series(yaml, DURATION_COUNT, stable, "flaky", ",outcome=\"error\"", "0+6x10");
    yaml.append("    promql_expr_test:\n");
    expect(yaml, "Error ratio by route", 0, "{route=\"calm\"}", 0, "{route=\"flaky\"}", 0.1);
    assertPromtoolPasses(promtool.get(), yaml);
  }

  private static void assertPromtoolPasses(Path promtool, StringBuilder yaml) throws Exception {
    Path dir = Files.createTempDirectory("dashboard-promtool");
    Path file = dir.resolve("panels.yml");
    Files.writeString(file, yaml.toString());
    Process run =
        new ProcessBuilder(promtool.toString(), "test", "rules", file.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).as("promtool test rules:%n%s%n%s", output, yaml).isZero();
  }

  private static final String DURATION_COUNT = "gen_ai_client_operation_duration_seconds_count";
  private static final String DURATION_BUCKET = "gen_ai_client_operation_duration_seconds_bucket";
  private static final String ERRORS = "switchboard_errors_total";
  private static final String COPIES = "switchboard_shadow_copies_total";

  private static void series(
      StringBuilder yaml, String name, String labels, String route, String extra, String values) {
    yaml.append("      - series: '")
        .append(name)
        .append('{')
        .append(String.format(labels, route))
        .append(extra)
        .append(",instance=\"gw-1\"}'\n        values: '")
        .append(values)
        .append("'\n");
  }

  /** Every answer in the first bucket (le 0.5 s). */
  private static void fast(StringBuilder yaml, String labels, String route, String values) {
    for (String le : List.of("0.5", "10", "+Inf")) {
      series(yaml, DURATION_BUCKET, labels, route, ",le=\"" + le + "\"", values);
    }
  }

  /**
   * The {@code target}-th query of the panel at 5 minutes, expecting label sets and values; one the
   * panel lacks is expected to give nothing (so promtool still judges the others).
   */
  private static void expect(StringBuilder yaml, String title, int target, Object... samples)
      throws IOException {
    JsonNode query = panel(title).path("targets").path(target);
    if (query.isMissingNode()) {
      return;
    }
    String expr =
        query.path("expr").asText().replace("$route", ".*").replace("$__rate_interval", "2m");
    yaml.append("      - expr: '")
        .append(expr.replace("'", "''"))
        .append("'\n        eval_time: 5m\n        exp_samples:\n");
    for (int i = 0; i < samples.length; i += 2) {
      yaml.append("          - labels: '")
          .append(samples[i])
          .append("'\n            value: ")
          .append(samples[i + 1])
          .append('\n');
    }
  }

  private static JsonNode panel(String title) throws IOException {
    for (JsonNode p : JSON.readTree(dashboardText()).path("panels")) {
      if (title.equals(p.path("title").asText())) {
        return p;
      }
    }
    throw new AssertionError("no panel " + title);
  }

  private static int count(Matcher m) {
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private static Optional<Path> onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, tool);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Test
  void panelsUseTheDashboardDataSourceVariableAndHaveUniqueIds() throws IOException {
    JsonNode dashboard = JSON.readTree(dashboardText());

    assertThat(dashboard.path("uid").asText()).isEqualTo("switchboard-gateway");
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt()))
          .as("duplicate id %s", panel.path("id"))
          .isTrue();
      if (!"row".equals(panel.path("type").asText())) {
        assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${datasource}");
      }
    }
  }

  private static boolean isKnown(String series) {
    return KNOWN_METRICS.stream()
        .anyMatch(base -> SERIES_SUFFIXES.stream().anyMatch(s -> series.equals(base + s)));
  }

  private static List<String> expressions(JsonNode dashboard) {
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panel.path("targets").forEach(t -> expressions.add(t.path("expr").asText()));
    }
    dashboard.at("/templating/list").forEach(v -> expressions.add(v.path("definition").asText()));
    return expressions;
  }
}
