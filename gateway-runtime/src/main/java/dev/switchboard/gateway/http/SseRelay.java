package dev.switchboard.gateway.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.refusal.AnswerOpening;
import dev.switchboard.gateway.request.Refusals;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Relays one committed upstream SSE stream to the client, event by event as they arrive: reads
 * usage, model version and finish reason on the way, hides the usage-only chunk when the gateway
 * (not the client) asked for it, applies back-pressure, and ends the stream either with the
 * upstream's {@code [DONE]} or with exactly one terminal error event — never a silent truncation.
 */
final class SseRelay implements UpstreamStream.Sink {

  private final RoutingContext rc;
  private final RequestContext ctx;
  private final UpstreamStream upstream;
  private final boolean stripUsage;
  private final ProxyHandler handler;
  private boolean headersSent;
  private boolean done;
  private boolean closed;

  /** Whether the first event (the one carrying model and fingerprint) went through the parser. */
  private boolean seenFirst;

  /** The answer's first characters, judged for a plain-text refusal once the stream is complete. */
  private final AnswerOpening opening = new AnswerOpening();

  SseRelay(
      RoutingContext rc,
      RequestContext ctx,
      UpstreamStream upstream,
      boolean stripUsage,
      ProxyHandler handler) {
    this.rc = rc;
    this.ctx = ctx;
    this.upstream = upstream;
    this.stripUsage = stripUsage;
    this.handler = handler;
  }

  @Override
  public void onEvent(String data) {
    if (closed) {
      return;
    }
    if ("[DONE]".equals(data.strip())) {
      done = true;
      write("[DONE]");
      return;
    }
    opening.appendStreamedChunk(data); // a no-op once the opening is full
    if (seenFirst) {
      String plain = passThrough(data, stripUsage);
      if (plain != null) {
        write(plain);
        return;
      }
    }
    seenFirst = true;
    JsonNode chunk = upstream.takeParsed(data);
    if (chunk == null) {
      chunk = UpstreamCaller.parseEvent(data);
    }
    if (chunk == null || !chunk.isObject()) {
      terminalError(
          new OpenAiError(
              502,
              "The upstream provider sent a stream event that is not JSON.",
              "upstream_error",
              null,
              "bad_gateway",
              "bad_response"));
      upstream.cancel();
      return;
    }
    if (chunk.get("error") instanceof ObjectNode error) {
      // The provider reported a failure mid-stream: pass it on as the one terminal event.
      terminalError(
          new OpenAiError(
              502,
              error.hasNonNull("message")
                  ? error.get("message").asText()
                  : "The upstream provider failed mid-stream.",
              error.hasNonNull("type") ? error.get("type").asText() : "upstream_error",
              ProxyHandler.textOrNull(error.get("param")),
              ProxyHandler.textOrNull(error.get("code")),
              "upstream_stream_error"));
      upstream.cancel();
      return;
    }
    if (ctx.upstreamModel() == null) {
      ctx.upstreamModel(ProxyHandler.textOrNull(chunk.get("model")));
    }
    if (ctx.systemFingerprint() == null) {
      ctx.systemFingerprint(ProxyHandler.textOrNull(chunk.get("system_fingerprint")));
    }
    JsonNode choices = chunk.path("choices");
    if (choices.isArray()) {
      for (JsonNode choice : choices) {
        if (Refusals.isRefusal(choice)) {
          ctx.markRefused();
        }
        String finish = ProxyHandler.textOrNull(choice.get("finish_reason"));
        if (finish != null) {
          ctx.finishReason(finish);
        }
      }
    }
    JsonNode usage = chunk.get("usage");
    if (usage != null && usage.isObject()) {
      handler.account(ctx, TokenUsage.fromUsageNode(usage));
    }
    if (stripUsage && chunk.has("usage")) {
      if (choices.isArray() && choices.isEmpty()) {
        return; // the usage-only chunk the client did not ask for
      }
      ((ObjectNode) chunk).remove("usage");
      write(chunk.toString());
      return;
    }
    // Multi-line data (pretty-printed JSON) would break SSE framing if written as one line.
    write(data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0 ? chunk.toString() : data);
  }

  /**
   * The payload to relay unchanged when {@code data} is an ordinary content chunk, or null when it
   * has to be parsed: it may carry usage, a finish reason, a refusal or an error, spans lines, or
   * does not look like a JSON object. Parsing every chunk into a tree cost a sixth of the relay's
   * CPU; this check only searches the text, and errs towards parsing (a key inside a string value
   * only costs a parse). {@code "usage":null} — which OpenAI sends on every chunk once usage is
   * requested — is cut from the end of the object when the gateway asked for usage, as the parsed
   * path would have removed it.
   */
  static String passThrough(String data, boolean stripUsage) {
    int len = data.length();
    if (len < 2
        || data.charAt(0) != '{'
        || data.charAt(len - 1) != '}'
        || data.indexOf('\n') >= 0
        || data.indexOf('\r') >= 0
        || data.contains("\"error\"")
        || hasNonNullKey(data, "\"finish_reason\"")
        || hasNonNullKey(data, "\"refusal\"")
        || hasNonNullKey(data, "\"usage\"")) {
      return null;
    }
    if (!wellFormed(data)) {
      return null; // the full parse turns it into the one terminal error event
    }
    if (stripUsage && data.contains("\"usage\"")) {
      String tail = ",\"usage\":null}";
      if (data.endsWith(tail) && data.indexOf("\"usage\"") == len - tail.length() + 1) {
        return data.substring(0, len - tail.length()) + "}";
      }
      return null;
    }
    return data;
  }

  private static final JsonFactory SYNTAX = new JsonFactory();

  /**
   * Whether the text is one well-formed JSON value: tokenised by Jackson's streaming parser, which
   * allocates no tree, so passing a chunk through never forwards malformed JSON to the client.
   */
  static boolean wellFormed(String data) {
    try (JsonParser parser = SYNTAX.createParser(data)) {
      while (parser.nextToken() != null) {
        // tokenising is the check
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code key} occurs followed by a value other than {@code null}. */
  private static boolean hasNonNullKey(String data, String key) {
    int from = 0;
    while (true) {
      int at = data.indexOf(key, from);
      if (at < 0) {
        return false;
      }
      int i = at + key.length();
      while (i < data.length() && Character.isWhitespace(data.charAt(i))) {
        i++;
      }
      if (i < data.length() && data.charAt(i) == ':') {
        i++;
        while (i < data.length() && Character.isWhitespace(data.charAt(i))) {
          i++;
        }
        if (!data.startsWith("null", i)) {
          return true;
        }
      } else {
        return true; // not a key (text inside a string?): let the parser decide
      }
      from = i;
    }
  }

  @Override
  public void onEnd() {
    if (closed) {
      return;
    }
    if (!done) {
      terminalError(
          new OpenAiError(
              502,
              "The upstream provider ended the stream before it was complete.",
              "upstream_error",
              null,
              "stream_truncated",
              "stream_truncated"));
      return;
    }
    closed = true;
    if (opening.isRefusal()) {
      ctx.markRefused();
    }
    rc.response().end();
    handler.finish(ctx, 200, "success", null);
  }

  @Override
  public void onError(UpstreamFailure failure) {
    if (closed) {
      return;
    }
    if (ctx.clientGone()) {
      closed = true;
      handler.finish(ctx, 499, "cancelled", "client_cancelled");
      return;
    }
    OpenAiError mapped = ErrorMapping.toOpenAiError(failure, ctx);
    terminalError(mapped);
  }

  private void terminalError(OpenAiError error) {
    closed = true;
    HttpServerResponse response = rc.response();
    if (ctx.clientGone()) {
      handler.finish(ctx, 499, "cancelled", "client_cancelled");
      return;
    }
    ensureHeaders();
    // One error event, then close; OpenAI SDKs raise it as an APIError. No [DONE] after it.
    response.end(Buffer.buffer("data: " + error.toJson().toString() + "\n\n"));
    handler.finish(ctx, 200, "error", error.errorClass());
  }

  private void write(String payload) {
    HttpServerResponse response = rc.response();
    if (ctx.clientGone() || response.ended()) {
      return;
    }
    ensureHeaders();
    response.write(sseEvent(payload));
    if (response.writeQueueFull()) {
      upstream.pause();
      response.drainHandler(v -> upstream.resume());
    }
  }

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

  /** {@code data: <payload>\n\n} in one buffer, encoded once. */
  static Buffer sseEvent(String payload) {
    byte[] utf8 = payload.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(DATA.length + utf8.length + END.length)
        .appendBytes(DATA)
        .appendBytes(utf8)
        .appendBytes(END);
  }

  private void ensureHeaders() {
    if (headersSent) {
      return;
    }
    headersSent = true;
    HttpServerResponse response = rc.response();
    handler.servedHeaders(response, ctx);
    response
        .setStatusCode(200)
        .setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache")
        .putHeader("x-accel-buffering", "no");
  }
}
