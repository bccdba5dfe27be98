package dev.switchboard.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.determinism.Determinism;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestLogWriterTest {

  @Test
  void oneJsonDocumentWithTheRequestFactsAndNoBodiesByDefault() throws Exception {
    RequestContext ctx = new RequestContext("req-1", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.usage(new TokenUsage(10, 5, 2));
    ctx.costUsd(0.0001);
    ctx.finish(200, "success", null);

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    assertThat(line.path("request_id").asText()).isEqualTo("req-1");
    assertThat(line.path("status").asInt()).isEqualTo(200);
    assertThat(line.path("input_tokens").asLong()).isEqualTo(10);
    assertThat(line.path("cached_tokens").asLong()).isEqualTo(2);
    assertThat(line.has("request_body")).isFalse();
    assertThat(line.has("response_body")).isFalse();
    assertThat(line.has("cache_write_tokens")).isFalse();
  }

  @Test
  void promptCacheWritesAreLoggedBesideTheCachedTokensWhenReported() throws Exception {
    RequestContext ctx = new RequestContext("req-6", Operation.CHAT_COMPLETIONS, new ManualClock());
    // Anthropic: 1,000 input in all, 200 read from the prompt cache, 300 written to it.
    ctx.usage(new TokenUsage(1000, 5, 200, 0, 300));
    ctx.finish(200, "success", null);

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    assertThat(line.path("input_tokens").asLong()).isEqualTo(1000);
    assertThat(line.path("cached_tokens").asLong()).isEqualTo(200);
    assertThat(line.path("cache_write_tokens").asLong()).isEqualTo(300);
    List<String> names = new ArrayList<>();
    line.fieldNames().forEachRemaining(names::add);
    assertThat(names.indexOf("cache_write_tokens")).isEqualTo(names.indexOf("cached_tokens") + 1);
  }

  @Test
  void bodiesAppearWhenThePolicyOptedInAndAreCut() throws Exception {
    RequestContext ctx = new RequestContext("req-2", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.loggedBodies("{\"model\":\"m\"}", "x".repeat(RequestLogWriter.MAX_LOGGED_BODY_CHARS + 10));
    ctx.finish(200, "success", null);

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    assertThat(line.path("request_body").asText()).isEqualTo("{\"model\":\"m\"}");
    assertThat(line.path("response_body").asText()).endsWith("...[truncated]");
  }

  /**
   * A prompt or answer can hold any character: the line stays one line for every line-oriented
   * reader (Python's splitlines also ends lines at NEL, U+2028 and U+2029), and reads back as
   * given.
   */
  @Test
  void characterAnyReaderTakesForALineEndIsEscaped() throws Exception {
    RequestContext ctx = new RequestContext("req-7", Operation.CHAT_COMPLETIONS, new ManualClock());
    String hostile = "a\nb\rc\u000bd\u001ce\u0085f\u2028g\u2029h\"}{\"forged\":1";
    ctx.loggedBodies(hostile, "ok");
    ctx.finishReason("stop\u2028{\"forged\":2}");
    ctx.finish(200, "success", null);

    String json = RequestLogWriter.toJson(ctx);

    assertThat(json.lines()).hasSize(1);
    assertThat(json.split("[\\n\\r\\u000b\\u000c\\u001c-\\u001e\\u0085\\u2028\\u2029]")).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(json);
    assertThat(line.path("request_body").asText()).isEqualTo(hostile);
    assertThat(line.path("finish_reason").asText()).isEqualTo("stop\u2028{\"forged\":2}");
  }

  /** What the upstream says about its answer is cut: a huge model string makes no huge line. */
  @Test
  void upstreamStringsAreCut() throws Exception {
    RequestContext ctx = new RequestContext("req-8", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.upstreamModel("m".repeat(100_000));
    ctx.systemFingerprint("f".repeat(100_000));
    ctx.finishReason("s".repeat(100_000));
    ctx.finish(200, "success", null);

    String json = RequestLogWriter.toJson(ctx);

    assertThat(json.length()).isLessThan(4_000);
    JsonNode line = new ObjectMapper().readTree(json);
    assertThat(line.path("model_version").asText())
        .hasSize(RequestLogWriter.MAX_LOGGED_UPSTREAM_CHARS);
    assertThat(line.path("system_fingerprint").asText())
        .hasSize(RequestLogWriter.MAX_LOGGED_UPSTREAM_CHARS);
    assertThat(line.path("finish_reason").asText())
        .hasSize(RequestLogWriter.MAX_LOGGED_UPSTREAM_CHARS);
  }

  @Test
  void fieldsComeInTheDocumentedOrderWithNullsKept() throws Exception {
    RequestContext ctx = new RequestContext("req-3", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.target(
        new PlannedTarget(
            TestTables.target("p", "m\"x", 0),
            TestTables.provider("p", "http://127.0.0.1:1/v1", false),
            PlannedTarget.CANARY));
    ctx.recordAttempt(new RequestContext.Attempt("p/m", "canary", "timeout", 0));
    ctx.recordAttempt(new RequestContext.Attempt("p/m", "canary", "success", 200));
    ctx.usage(new TokenUsage(3, 4, 0));
    ctx.finish(200, "success", null);

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    List<String> names = new ArrayList<>();
    for (Iterator<String> it = line.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    // Log consumers key on these names; the order is the one the line has always had.
    assertThat(names)
        .containsExactly(
            "ts",
            "type",
            "request_id",
            "operation",
            "stream",
            "route",
            "config_version",
            "provider",
            "target_model",
            "arm",
            "model_version",
            "system_fingerprint",
            "status",
            "outcome",
            "error_class",
            "attempts",
            "attempt_outcomes",
            "latency_ms",
            "ttft_ms",
            "input_tokens",
            "output_tokens",
            "cached_tokens",
            "cost_usd",
            "finish_reason",
            "cache",
            "route_reason",
            "consumer",
            "consumer_labels");
    assertThat(line.path("target_model").asText()).isEqualTo("m\"x");
    assertThat(line.path("arm").asText()).isEqualTo("canary");
    assertThat(line.path("stream").isBoolean()).isTrue();
    assertThat(line.path("attempts").asInt()).isEqualTo(2);
    assertThat(line.path("attempt_outcomes").toString())
        .isEqualTo("[\"p/m:timeout\",\"p/m:success\"]");
    assertThat(line.path("route").isNull()).isTrue();
    assertThat(line.path("ttft_ms").isNull()).isTrue();
    assertThat(line.path("cost_usd").isNull()).isTrue();
    assertThat(line.path("latency_ms").isNumber()).isTrue();
    assertThat(line.path("cache").asText()).isEqualTo("none");
    assertThat(line.path("route_reason").isNull()).isTrue();
    assertThat(line.path("consumer").isNull()).isTrue();
    assertThat(line.path("consumer_labels").isEmpty()).isTrue();
  }

  @Test
  void theConsumersNameAndLabelsComeLastAndNothingElseAboutIt() throws Exception {
    RequestContext ctx = new RequestContext("req-5", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.consumer("team-a", Map.of("team", "a", "cost-center", "42"));
    ctx.finish(200, "success", null);

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    List<String> names = new ArrayList<>();
    line.fieldNames().forEachRemaining(names::add);
    assertThat(names.subList(names.size() - 3, names.size()))
        .containsExactly("route_reason", "consumer", "consumer_labels");
    assertThat(line.path("consumer").asText()).isEqualTo("team-a");
    assertThat(line.path("consumer_labels").toString())
        .isEqualTo("{\"cost-center\":\"42\",\"team\":\"a\"}");
  }

  @Test
  void aDeterministicRequestLogsItsSeedPromptHashAndSamplingAsGiven() throws Exception {
    RequestContext ctx = new RequestContext("req-4", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.target(
        new PlannedTarget(
            TestTables.target("claude", "claude-x", 0),
            TestTables.provider(
                "claude", "anthropic", "http://127.0.0.1:1/v1", false, Map.of(), null),
            PlannedTarget.STABLE));
    ctx.determinism(new Determinism(42L, true, "ab".repeat(32), "0.0", null));
    ctx.upstreamModel("claude-x-20260101");
    ctx.systemFingerprint("fp_1");
    ctx.finish(200, "success", null);

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    assertThat(line.path("deterministic").asBoolean()).isTrue();
    assertThat(line.path("seed").asLong()).isEqualTo(42);
    assertThat(line.path("seed_injected").asBoolean()).isTrue();
    assertThat(line.path("system_prompt_hash").asText()).isEqualTo("ab".repeat(32));
    assertThat(line.path("temperature").isNumber()).isTrue();
    assertThat(line.path("temperature").asDouble()).isEqualTo(0.0);
    assertThat(line.path("top_p").isNull()).isTrue();
    assertThat(line.path("model_version").asText()).isEqualTo("claude-x-20260101");
    assertThat(line.path("system_fingerprint").asText()).isEqualTo("fp_1");
    assertThat(line.path("unhonoured_params").asText()).isEqualTo("seed");
  }

  @Test
  void otherRequestsCarryNoDeterminismFields() throws Exception {
    RequestContext ctx = new RequestContext("req-5", Operation.CHAT_COMPLETIONS, new ManualClock());
    ctx.finish(200, "success", null);

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    assertThat(line.has("seed")).isFalse();
    assertThat(line.has("system_prompt_hash")).isFalse();
  }
}
