package dev.switchboard.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.Operation;
import org.junit.jupiter.api.Test;

class RequestLogWriterTest {

  @Test
  void oneJsonDocumentWithTheRequestFactsAndNoBodiesByDefault() throws Exception {
    RequestContext ctx = new RequestContext("req-1", Operation.CHAT_COMPLETIONS, System.nanoTime());
    ctx.usage(new TokenUsage(10, 5, 2));
    ctx.costUsd(0.0001);
    ctx.finish(200, "success", null, System.nanoTime());

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    assertThat(line.path("request_id").asText()).isEqualTo("req-1");
    assertThat(line.path("status").asInt()).isEqualTo(200);
    assertThat(line.path("input_tokens").asLong()).isEqualTo(10);
    assertThat(line.path("cached_tokens").asLong()).isEqualTo(2);
    assertThat(line.has("request_body")).isFalse();
    assertThat(line.has("response_body")).isFalse();
  }

  @Test
  void bodiesAppearWhenThePolicyOptedInAndAreCut() throws Exception {
    RequestContext ctx = new RequestContext("req-2", Operation.CHAT_COMPLETIONS, System.nanoTime());
    ctx.loggedBodies("{\"model\":\"m\"}", "x".repeat(RequestLogWriter.MAX_LOGGED_BODY_CHARS + 10));
    ctx.finish(200, "success", null, System.nanoTime());

    JsonNode line = new ObjectMapper().readTree(RequestLogWriter.toJson(ctx));

    assertThat(line.path("request_body").asText()).isEqualTo("{\"model\":\"m\"}");
    assertThat(line.path("response_body").asText()).endsWith("...[truncated]");
  }
}
