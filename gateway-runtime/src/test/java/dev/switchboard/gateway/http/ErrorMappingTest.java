package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue #13, finding 7: a failed request tells the client what kind of failure it was and its
 * request id, never the gateway's internals; the internals go to one WARN log line with that id.
 */
class ErrorMappingTest {

  /** What an attempt's message holds: target id, address, the exception's own text. */
  private static final String DETAILS =
      "openai-eu/gpt-4o-2024-08-06 cannot connect: Connection refused: /127.0.0.1:22";

  private LogCapture logged;

  @BeforeEach
  void capture() {
    logged = LogCapture.of(ErrorMapping.class);
  }

  @AfterEach
  void release() {
    logged.close();
  }

  @ParameterizedTest
  @EnumSource(
      value = FailureKind.class,
      names = {
        "CONNECT",
        "TIMEOUT",
        "RATE_LIMITED",
        "SERVER_ERROR",
        "BAD_RESPONSE",
        "NO_KEY",
        "AUTH_REJECTED",
        "STREAM_STALLED"
      })
  void theClientGetsAGenericMessageWithTheRequestIdAndTheLogGetsTheDetails(FailureKind kind) {
    RequestContext ctx =
        new RequestContext("req-7f3a", Operation.CHAT_COMPLETIONS, new ManualClock());

    OpenAiError error = ErrorMapping.toOpenAiError(new UpstreamFailure(kind, DETAILS), ctx);

    String body = error.toJson().toString();
    assertThat(error.status()).isIn(429, 502, 503, 504);
    assertThat(error.message()).endsWith(" Request id: req-7f3a.");
    assertThat(body)
        .doesNotContain("openai-eu")
        .doesNotContain("gpt-4o-2024-08-06")
        .doesNotContain("127.0.0.1")
        .doesNotContain("Connection refused");
    assertThat(logged.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.WARN);
              assertThat(e.getFormattedMessage()).contains("req-7f3a").contains(DETAILS);
            });
  }

  @ParameterizedTest
  @EnumSource(value = FailureKind.class, names = "REQUEST_REJECTED")
  void aRejectionWithoutAReadableBodySaysSoWithoutNamingTheTarget(FailureKind kind) {
    RequestContext ctx = new RequestContext("req-1", Operation.CHAT_COMPLETIONS, new ManualClock());

    OpenAiError error =
        ErrorMapping.toOpenAiError(
            new UpstreamFailure(
                kind, "openai-eu/gpt-4o answered HTTP 422", 422, Buffer.buffer("oops"), null),
            ctx);

    assertThat(error.status()).isEqualTo(422);
    assertThat(error.message())
        .isEqualTo("The upstream provider rejected the request (HTTP 422). Request id: req-1.");
    // The client's own mistake: nothing for the operator's log.
    assertThat(logged.events()).isEmpty();
  }
}
