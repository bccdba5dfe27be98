package dev.switchboard.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The header-read and idle timeouts on an embedded channel whose clock the test moves: a connection
 * is closed exactly when it has waited its limit, never while a request is in flight, and a busy
 * keep-alive connection's check is re-armed from its last idle moment rather than per request.
 */
class ConnectionGuardTimersTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  EmbeddedChannel channel;

  private EmbeddedChannel open(long headerReadTimeoutMs, long idleTimeoutMs) {
    ConnectionGuard guard =
        new ConnectionGuard(
            "public", new HttpServerOptions(), headerReadTimeoutMs, idleTimeoutMs, 100, registry);
    channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(guard.newTimers());
    return channel;
  }

  @AfterEach
  void close() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  private void pass(long ms) {
    channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  /** Open for {@code ms - 1} more milliseconds, closed at {@code ms}. */
  private void closesAfter(long ms) {
    pass(ms - 1);
    assertThat(channel.isOpen()).as("open %d ms on", ms - 1).isTrue();
    pass(1);
    assertThat(channel.isOpen()).as("closed at %d ms", ms).isFalse();
  }

  private void request() {
    channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz"));
    ReferenceCountUtil.release(channel.readInbound());
  }

  private void respond(HttpResponseStatus status) {
    channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status));
    ReferenceCountUtil.release(channel.readOutbound());
  }

  private double closed(String reason) {
    return registry
        .get("switchboard_server_connections_closed")
        .tag("port", "public")
        .tag("reason", reason)
        .counter()
        .count();
  }

  @Test
  void aConnectionWithoutARequestHeadIsClosedAtTheHeaderReadTimeout() {
    open(1_000, 5_000);
    closesAfter(1_000);
    assertThat(closed("header_timeout")).isEqualTo(1);
    assertThat(closed("idle_timeout")).isZero();
  }

  @Test
  void aRequestInFlightIsNeverCutAndIdlenessCountsFromItsResponse() {
    open(1_000, 5_000);
    pass(500);
    request();
    pass(60_000); // a long, quiet answer: past both limits, still open
    assertThat(channel.isOpen()).isTrue();
    respond(HttpResponseStatus.OK);
    closesAfter(5_000);
    assertThat(closed("idle_timeout")).isEqualTo(1);
    assertThat(closed("header_timeout")).isZero();
  }

  @Test
  void aBusyKeepAliveConnectionStaysOpenAndClosesItsLimitAfterTheLastResponse() {
    open(1_000, 5_000);
    for (int i = 0; i < 10; i++) {
      request();
      respond(HttpResponseStatus.OK);
      pass(4_000); // each gap is shorter than the idle limit
    }
    assertThat(channel.isOpen()).isTrue();
    closesAfter(1_000); // 5,000 ms after the last response
    assertThat(closed("idle_timeout")).isEqualTo(1);
  }

  @Test
  void anIdleLimitShorterThanThePendingHeaderCheckStillApplies() {
    open(10_000, 300);
    request();
    respond(HttpResponseStatus.OK);
    closesAfter(300);
    assertThat(closed("idle_timeout")).isEqualTo(1);
  }

  @Test
  void anInterimResponseDoesNotEndTheRequest() {
    open(1_000, 300);
    request();
    respond(HttpResponseStatus.CONTINUE);
    pass(10_000);
    assertThat(channel.isOpen()).isTrue();
    respond(HttpResponseStatus.OK);
    pass(300);
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void pipelinedRequestsKeepTheConnectionBusyUntilTheLastAnswer() {
    open(1_000, 300);
    request();
    request();
    respond(HttpResponseStatus.OK);
    pass(10_000); // the second request is still in flight
    assertThat(channel.isOpen()).isTrue();
    respond(HttpResponseStatus.OK);
    closesAfter(300);
  }
}
