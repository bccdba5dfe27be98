package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.cache.CacheRequest;
import dev.switchboard.gateway.cache.CachedAnswer;
import dev.switchboard.gateway.cache.ResponseCache;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.ForwardingFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.frontdoor.StreamEncoder;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cached stream is replayed as the original went out: a stream whose events total over {@link
 * ValidateStage#INLINE_PARSE_LIMIT} in batches of about {@link CacheStage#REPLAY_BATCH_CHARS}, one
 * per turn of the event loop, the next waiting while the client's write queue is full, so one
 * replay never holds its loop for all of it and a client that reads slowly is not handed the whole
 * stream at once; a small stream, the hot path, in one piece. Either way the client gets the
 * original's every event and its end. Real HTTP and the real {@link CacheStage}; the answer is put
 * into the cache as the request is keyed, so its lookup hits.
 */
class CachedStreamReplayTest {
  private static final int EVENT_CHARS = 1000;

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  // HTTP/1.1, as the gateway's clients speak it (no h2c upgrade of the first request).
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ResponseCache cache =
      new ResponseCache(clock, null, 1, ResponseCache.DEFAULT_MAX_BYTES);
  private final PlannedTarget target =
      new PlannedTarget(
          TestTables.target("up", "m", 0),
          TestTables.provider("up", "http://127.0.0.1:9/v1", false),
          PlannedTarget.STABLE);
  private final RoutingTable.Policy policy =
      TestTables.cachePolicy(
          "cached",
          new RoutingTable.Cache(
              true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null));

  /** Per batch a replay wrote: how many stored events, and whether on an event loop thread. */
  private final List<Integer> batches = new CopyOnWriteArrayList<>();

  private final List<Boolean> batchesOnLoop = new CopyOnWriteArrayList<>();
  private final AtomicInteger waits = new AtomicInteger();
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final AtomicReference<RequestContext> accounted = new AtomicReference<>();
  private HttpServer server;

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Serves the pipeline with {@code stored} in the cache under the request's key. */
  private void serve(List<String> stored, HttpServerOptions options) throws Exception {
    serve(stored, options, new ChatCompletionsFrontDoor());
  }

  private void serve(List<String> stored, HttpServerOptions options, FrontDoor door)
      throws Exception {
    ResolvedRoute route =
        new ResolvedRoute(
            TestTables.policyRoute("cached", "cached", target.target()),
            policy,
            List.of(target),
            List.of(),
            "name");
    CacheStage.Keys keys =
        (exchange, scope, settings, semantic) -> {
          CacheRequest request = CacheStage.request(exchange, scope, settings, semantic);
          cache.route("cached", settings).exact().put(request.exactKey(), answer(stored));
          return request;
        };
    Stage resolved =
        exchange -> {
          exchange.body(exchange.frontDoor().decodeRequest(exchange.rawBody()));
          exchange.caller(new Caller(exchange.headers()));
          exchange.ctx().route(route);
          exchange.ctx().stream(true);
          // As the gateway's ProxyHandler does: a client that leaves cancels its request.
          exchange.response().closeHandler(v -> exchange.ctx().cancel());
          exchange.plan(List.of(target));
          return true;
        };
    Stage upstream =
        exchange -> {
          upstreamCalls.incrementAndGet();
          exchange.fail(new IllegalStateException("the stream was not answered from the cache"));
          return false;
        };
    CacheStage stage =
        new CacheStage(cache, new GatewayMetrics(), keys)
            .replayProbe(
                new CacheStage.ReplayProbe() {
                  @Override
                  public void batch(int events) {
                    batches.add(events);
                    batchesOnLoop.add(Context.isOnEventLoopThread());
                  }

                  @Override
                  public void waiting(int eventsLeft) {
                    waits.incrementAndGet();
                  }
                });
    Pipeline pipeline = new Pipeline(List.of(accounting(), resolved, stage, upstream));
    server = LoopbackPipeline.serve(vertx, pipeline, door, clock, options);
  }

  private Stage accounting() {
    return new Stage() {
      @Override
      public boolean forward(Exchange exchange) {
        return true;
      }

      @Override
      public void backward(Exchange exchange) {
        accounted.set(exchange.ctx());
      }
    };
  }

  private CachedAnswer answer(List<String> events) {
    return new CachedAnswer(
        null,
        null,
        List.copyOf(events),
        Operation.CHAT_COMPLETIONS,
        target.provider(),
        target.id(),
        null,
        null,
        null,
        100,
        clock.currentTimeMillis(),
        "partition",
        null);
  }

  /** An OpenAI stream of {@code count} content chunks of {@link #EVENT_CHARS}, then its end. */
  private static List<String> stream(int count) {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(chunk(piece(i), null));
    }
    events.add(chunk("", "stop"));
    events.add("[DONE]");
    return events;
  }

  private static String piece(int i) {
    String head = "<" + i + ">";
    return head + String.valueOf((char) ('a' + i % 26)).repeat(EVENT_CHARS - head.length());
  }

  private static String expectedText(int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      text.append(piece(i));
    }
    return text.toString();
  }

  private static String chunk(String content, String finish) {
    ObjectNode chunk =
        GatewayHarness.JSON
            .createObjectNode()
            .put("id", "chatcmpl-1")
            .put("object", "chat.completion.chunk")
            .put("created", 1)
            .put("model", "m");
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.putObject("delta").put("content", content);
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    return chunk.toString();
  }

  private static final String REQUEST =
      "{\"model\":\"cached\",\"temperature\":0,\"stream\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about lighthouses\"}]}";

  /** The text of a chat stream's content deltas, and whether it ended with {@code [DONE]}. */
  private static String content(String sse) throws Exception {
    StringBuilder text = new StringBuilder();
    String last = null;
    for (String line : sse.split("\n")) {
      if (!line.startsWith("data: ")) {
        continue;
      }
      last = line.substring(6).trim();
      if (!last.equals("[DONE]")) {
        JsonNode delta = GatewayHarness.json(last).at("/choices/0/delta/content");
        text.append(delta.asText(""));
      }
    }
    assertThat(last).as("the stream's end").isEqualTo("[DONE]");
    return text.toString();
  }

  private HttpResponse<String> ask() throws Exception {
    HttpResponse<String> r =
        LoopbackPipeline.post(
            http, server, REQUEST, Duration.ofSeconds(20), "content-type", "application/json");
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    return r;
  }

  /**
   * Over the limit (about 1 MiB, the longest stream the cache keeps): batch by batch, on the loop.
   */
  @Test
  void aLargeCachedStreamIsReplayedInBatches() throws Exception {
    int count = CacheStage.MAX_STREAM_BYTES / (EVENT_CHARS + 120);
    List<String> events = stream(count);
    serve(events, new HttpServerOptions());

    HttpResponse<String> r = ask();

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(content(r.body())).isEqualTo(expectedText(count));
    assertThat(upstreamCalls).hasValue(0);
    assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(events.size());
    assertThat(batches.size())
        .as("batches of %s chars", CacheStage.REPLAY_BATCH_CHARS)
        .isGreaterThanOrEqualTo(events.size() * EVENT_CHARS / CacheStage.REPLAY_BATCH_CHARS);
    int perBatch = CacheStage.REPLAY_BATCH_CHARS / EVENT_CHARS + 1;
    assertThat(batches).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(perBatch));
    assertThat(batchesOnLoop).containsOnly(true);
    assertThat(accounted.get().status()).isEqualTo(200);
    assertThat(accounted.get().outcome()).isEqualTo("success");
  }

  @Test
  void aSmallCachedStreamIsReplayedInOnePiece() throws Exception {
    List<String> events = stream(20);
    serve(events, new HttpServerOptions());

    HttpResponse<String> r = ask();

    assertThat(r.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(content(r.body())).isEqualTo(expectedText(20));
    assertThat(batches).containsExactly(events.size());
    assertThat(waits).hasValue(0);
  }

  /**
   * A client that does not read: the replay stops writing once the connection's write queue is
   * full, long before the end of the stream, and goes on as the client reads.
   */
  @Test
  void aLargeReplayWaitsForASlowClient() throws Exception {
    int count = CacheStage.MAX_STREAM_BYTES / (EVENT_CHARS + 120);
    List<String> events = stream(count);
    // Small socket buffers: what the kernel holds for the client is not mistaken for the replay's.
    serve(events, new HttpServerOptions().setSendBufferSize(4096));
    try (Socket client = slowClient()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> waits.get() > 0);
      // What went out before the queue was full sits in Netty's and the kernel's buffers.
      assertThat(batches.stream().mapToInt(Integer::intValue).sum())
          .as("stored events replayed while the client read nothing")
          .isLessThan(events.size());
      assertThat(accounted.get()).as("still answering").isNull();

      String sse = readAll(client.getInputStream());

      assertThat(content(sse)).isEqualTo(expectedText(count));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    assertThat(accounted.get().status()).isEqualTo(200);
    assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(events.size());
  }

  /** The client leaves while the replay waits for it: the request ends as cancelled. */
  @Test
  void aClientLeavingMidReplayEndsItAsCancelled() throws Exception {
    int count = CacheStage.MAX_STREAM_BYTES / (EVENT_CHARS + 120);
    serve(stream(count), new HttpServerOptions().setSendBufferSize(4096));
    try (Socket client = slowClient()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> waits.get() > 0);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    assertThat(accounted.get().status()).isEqualTo(499);
    assertThat(accounted.get().outcome()).isEqualTo("cancelled");
  }

  /**
   * The gateway fails in a later batch (here the door's encoder, after the head and the first
   * batches went out): the stream ends with the door's one terminal error event, never left open.
   */
  @Test
  void aFailureMidReplayEndsTheStreamWithAnErrorEvent() throws Exception {
    int count = CacheStage.MAX_STREAM_BYTES / (EVENT_CHARS + 120);
    serve(stream(count), new HttpServerOptions(), new FailingAt(count / 2));

    HttpResponse<String> r = ask();

    assertThat(r.statusCode()).isEqualTo(200);
    List<String> data =
        r.body()
            .lines()
            .filter(line -> line.startsWith("data: "))
            .map(line -> line.substring(6))
            .toList();
    assertThat(data.size()).as("the events before the failure").isGreaterThan(1);
    assertThat(data).doesNotContain("[DONE]");
    assertThat(GatewayHarness.json(data.get(data.size() - 1)).path("error").isObject()).isTrue();
    assertThat(accounted.get().outcome()).isEqualTo("error");
  }

  /** The chat door, whose stream encoder fails at its {@code failAt}-th event. */
  private static final class FailingAt extends ForwardingFrontDoor {
    private final int failAt;

    FailingAt(int failAt) {
      super(new ChatCompletionsFrontDoor());
      this.failAt = failAt;
    }

    @Override
    public StreamEncoder streamEncoder(Operation format, ObjectNode request, RequestContext ctx) {
      StreamEncoder encoder = door.streamEncoder(format, request, ctx);
      int[] events = new int[1];
      return new StreamEncoder() {
        @Override
        public Buffer event(StreamEventFacts event) {
          if (++events[0] == failAt) {
            throw new IllegalStateException("encoder failed");
          }
          return encoder.event(event);
        }

        @Override
        public Buffer end(StreamEventFacts done) {
          return encoder.end(done);
        }

        @Override
        public Buffer error(OpenAiError error) {
          return encoder.error(error);
        }
      };
    }
  }

  /** Sends the streamed request on a socket with a small receive buffer, and reads nothing. */
  private Socket slowClient() throws Exception {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    socket.setSoTimeout(20_000);
    socket.connect(new InetSocketAddress("127.0.0.1", server.actualPort()), 5_000);
    byte[] body = REQUEST.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return socket;
  }

  /** The body of a chunked HTTP/1.1 answer, read to its last chunk. */
  private static String readAll(InputStream in) throws Exception {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    while (!endsWith(raw, "\r\n0\r\n\r\n")) {
      int n = in.read(buffer);
      assertThat(n).as("the connection ended before the stream").isPositive();
      raw.write(buffer, 0, n);
    }
    String all = raw.toString(StandardCharsets.UTF_8);
    int at = all.indexOf("\r\n\r\n") + 4;
    StringBuilder body = new StringBuilder();
    while (true) {
      int eol = all.indexOf("\r\n", at);
      int size = Integer.parseInt(all.substring(at, eol).trim(), 16);
      if (size == 0) {
        return body.toString();
      }
      body.append(all, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
  }

  private static boolean endsWith(ByteArrayOutputStream raw, String tail) {
    byte[] b = raw.toByteArray();
    byte[] t = tail.getBytes(StandardCharsets.US_ASCII);
    if (b.length < t.length) {
      return false;
    }
    for (int i = 0; i < t.length; i++) {
      if (b[b.length - t.length + i] != t[i]) {
        return false;
      }
    }
    return true;
  }
}
