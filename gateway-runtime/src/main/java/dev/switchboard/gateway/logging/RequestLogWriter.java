package dev.switchboard.gateway.logging;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.switchboard.gateway.determinism.Determinism;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one JSON line per finished request to the logger {@code switchboard.requests} (the bundled
 * logback.xml prints that logger's messages bare, so each line is a JSON document). Bodies are
 * never logged here; keys are never part of the context.
 */
public final class RequestLogWriter {

  /** The logger name, so deployments can route request lines separately. */
  public static final String LOGGER_NAME = "switchboard.requests";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

  /**
   * Doubles (latency, cost) written with the Schubfach algorithm instead of {@code
   * Double.toString}, whose slow path allocated big-integer scratch for some costs.
   */
  private static final JsonFactory JSON =
      new JsonFactoryBuilder()
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .characterEscapes(LineSafeEscapes.INSTANCE)
          .build();

  /** Per-thread scratch for the line's timestamp (written without an intermediate String). */
  private static final ThreadLocal<char[]> TIMESTAMP =
      ThreadLocal.withInitial(() -> new char[IsoMillis.MAX_LENGTH]);

  /**
   * Writes the line for a finished request: as its UTF-8 bytes ({@link Line}), which the bundled
   * {@link RequestLineAppender} queues as they are; any other appender formats the message, and
   * gets the line as text.
   */
  public void write(RequestContext ctx) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    LOG.info("{}", new Line(toUtf8(ctx)));
  }

  /**
   * A request line as the UTF-8 bytes of one JSON document. Built as bytes: the line was made as
   * characters, copied into a String and encoded again by the writer thread — the String's copy
   * alone was ~4 % of the bytes a request allocates on the event loop.
   */
  public record Line(byte[] utf8) {
    @Override
    public String toString() {
      return new String(utf8, StandardCharsets.UTF_8);
    }
  }

  /** Logged bodies are cut here so one huge prompt cannot flood the log pipeline. */
  static final int MAX_LOGGED_BODY_CHARS = 64 * 1024;

  /**
   * What an upstream says about its answer (model version, fingerprint, finish reason) is cut here:
   * a provider answering with a megabyte {@code model} would otherwise write a megabyte line per
   * request. As long as the metric label of the model version ({@code ModelVersionTracker}).
   */
  static final int MAX_LOGGED_UPSTREAM_CHARS = 256;

  private static String cut(String upstream) {
    return upstream == null || upstream.length() <= MAX_LOGGED_UPSTREAM_CHARS
        ? upstream
        : upstream.substring(0, MAX_LOGGED_UPSTREAM_CHARS);
  }

  private static String truncate(String body) {
    return body.length() <= MAX_LOGGED_BODY_CHARS
        ? body
        : body.substring(0, MAX_LOGGED_BODY_CHARS) + "...[truncated]";
  }

  /** The JSON line for a request (public for tests). */
  public static String toJson(RequestContext ctx) {
    return new String(toUtf8(ctx), StandardCharsets.UTF_8);
  }

  /** The JSON line for a request, as UTF-8. */
  static byte[] toUtf8(RequestContext ctx) {
    // Streamed straight into the buffer: no intermediate map, boxing or serializer lookups, which
    // the profile showed as a measurable share of the event loop's time per request.
    // Into Jackson's recycled byte segments (as ObjectMapper.writeValueAsBytes does): the line is
    // copied once, into its array, instead of growing and copying a buffer.
    BufferRecycler recycler = JSON._getBufferRecycler();
    ByteArrayBuilder out = new ByteArrayBuilder(recycler);
    try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      PlannedTarget target = ctx.target();
      json.writeStartObject();
      json.writeFieldName(Field.TS.json);
      char[] ts = TIMESTAMP.get();
      json.writeString(ts, 0, IsoMillis.format(ctx.clock().currentTimeMillis(), ts));
      json.writeFieldName(Field.TYPE.json);
      json.writeString("request");
      json.writeFieldName(Field.REQUEST_ID.json);
      json.writeString(ctx.requestId());
      json.writeFieldName(Field.OPERATION.json);
      json.writeString(ctx.operationName());
      json.writeFieldName(Field.STREAM.json);
      json.writeBoolean(ctx.stream());
      json.writeFieldName(Field.ROUTE.json);
      json.writeString(ctx.route() == null ? null : ctx.routeName());
      json.writeFieldName(Field.CONFIG_VERSION.json);
      json.writeString(ctx.snapshot() == null ? null : ctx.snapshot().configVersion());
      json.writeFieldName(Field.PROVIDER.json);
      json.writeString(target == null ? null : target.provider().name());
      json.writeFieldName(Field.TARGET_MODEL.json);
      json.writeString(target == null ? null : target.target().model());
      json.writeFieldName(Field.ARM.json);
      json.writeString(target == null ? null : target.arm());
      json.writeFieldName(Field.MODEL_VERSION.json);
      json.writeString(cut(ctx.upstreamModel()));
      json.writeFieldName(Field.SYSTEM_FINGERPRINT.json);
      json.writeString(cut(ctx.systemFingerprint()));
      json.writeFieldName(Field.STATUS.json);
      json.writeNumber(ctx.status());
      json.writeFieldName(Field.OUTCOME.json);
      json.writeString(ctx.outcome());
      json.writeFieldName(Field.ERROR_CLASS.json);
      json.writeString(ctx.errorClass());
      List<RequestContext.Attempt> attempts = ctx.attempts();
      json.writeFieldName(Field.ATTEMPTS.json);
      json.writeNumber(attempts.size());
      json.writeFieldName(Field.ATTEMPT_OUTCOMES.json);
      json.writeStartArray();
      for (RequestContext.Attempt attempt : attempts) {
        json.writeString(attempt.targetId() + ":" + attempt.outcome());
      }
      json.writeEndArray();
      json.writeFieldName(Field.LATENCY_MS.json);
      json.writeNumber(Math.round(ctx.durationSeconds() * 1000 * 10) / 10.0);
      Double ttftMs = ctx.ttftMs();
      if (ttftMs == null) {
        json.writeFieldName(Field.TTFT_MS.json);
        json.writeNull();
      } else {
        json.writeFieldName(Field.TTFT_MS.json);
        json.writeNumber(Math.round(ttftMs * 10) / 10.0);
      }
      // An answer that came without usage has the estimate it was accounted (and its consumer
      // charged) with instead, marked usage_estimated after cost_usd.
      TokenUsage estimated = ctx.usage() == null ? ctx.estimatedUsage() : null;
      TokenUsage usage = estimated == null ? ctx.usage() : estimated;
      if (usage != null) {
        json.writeFieldName(Field.INPUT_TOKENS.json);
        json.writeNumber(usage.inputTokens());
        json.writeFieldName(Field.OUTPUT_TOKENS.json);
        json.writeNumber(usage.outputTokens());
        json.writeFieldName(Field.CACHED_TOKENS.json);
        json.writeNumber(usage.cachedInputTokens());
        if (usage.cacheWriteInputTokens() > 0) {
          // Only providers with a priced prompt-cache write report them (Anthropic): the line of
          // every other answer stays as it was.
          json.writeFieldName(Field.CACHE_WRITE_TOKENS.json);
          json.writeNumber(usage.cacheWriteInputTokens());
        }
      }
      Double cost = ctx.costUsd();
      if (cost == null) {
        json.writeFieldName(Field.COST_USD.json);
        json.writeNull();
      } else {
        json.writeFieldName(Field.COST_USD.json);
        json.writeNumber(cost.doubleValue());
      }
      if (estimated != null) {
        json.writeFieldName(Field.USAGE_ESTIMATED.json);
        json.writeBoolean(true);
      }
      json.writeFieldName(Field.FINISH_REASON.json);
      json.writeString(cut(ctx.finishReason()));
      // Bodies only when the route's policy opted in (logging.bodies: full); streamed answers are
      // not reassembled for the log.
      if (ctx.loggedRequestBody() != null) {
        json.writeFieldName(Field.REQUEST_BODY.json);
        json.writeString(truncate(ctx.loggedRequestBody()));
      }
      if (ctx.loggedResponseBody() != null) {
        json.writeFieldName(Field.RESPONSE_BODY.json);
        json.writeString(truncate(ctx.loggedResponseBody()));
      }
      Determinism d = ctx.determinism();
      if (d != null) {
        json.writeFieldName(Field.DETERMINISTIC.json);
        json.writeBoolean(true);
        json.writeFieldName(Field.SEED.json);
        if (d.seed() == null) {
          json.writeNull();
        } else {
          json.writeNumber(d.seed());
        }
        json.writeFieldName(Field.SEED_INJECTED.json);
        json.writeBoolean(d.seedInjected());
        json.writeFieldName(Field.SYSTEM_PROMPT_HASH.json);
        json.writeString(d.systemPromptHash());
        // As the client gave them (JSON text of a parsed node, so valid JSON as it is).
        json.writeFieldName(Field.TEMPERATURE.json);
        json.writeRawValue(d.temperature() == null ? "null" : d.temperature());
        json.writeFieldName(Field.TOP_P.json);
        json.writeRawValue(d.topP() == null ? "null" : d.topP());
        json.writeFieldName(Field.UNHONOURED_PARAMS.json);
        String kind = ctx.servedProviderKind();
        json.writeString(
            ctx.unhonouredParams() != null
                ? ctx.unhonouredParams()
                : kind == null ? null : d.unhonoured(kind));
      } else if (ctx.unhonouredParams() != null) {
        // Any route whose answer said so in x-switchboard-unhonoured-params (a clamped
        // temperature, fields a Mistral target was not sent), not only deterministic ones.
        json.writeFieldName(Field.UNHONOURED_PARAMS.json);
        json.writeString(ctx.unhonouredParams());
      }
      // The cache outcome ("none" when the route does not cache). A hit's usage is the original
      // answer's, its cost_usd 0; cache_saved_usd is what the original cost.
      json.writeFieldName(Field.CACHE.json);
      json.writeString(ctx.cacheOutcome() == null ? "none" : ctx.cacheOutcome());
      if (ctx.cacheSimilarity() != null) {
        json.writeFieldName("cache_similarity");
        json.writeNumber(Math.round(ctx.cacheSimilarity() * 10000) / 10000.0);
      }
      if (ctx.cacheEmbeddingUsd() != null) {
        // A provider embedder's price for this request's semantic lookup: the gateway's own cost,
        // not in cost_usd (what the answer cost) nor in the consumer's spend.
        json.writeFieldName("cache_embedding_usd");
        json.writeNumber(ctx.cacheEmbeddingUsd().doubleValue());
      }
      if (ctx.servedFromCache()) {
        json.writeFieldName("cache_saved_usd");
        if (ctx.cacheSavedUsd() == null) {
          json.writeNull();
        } else {
          json.writeNumber(ctx.cacheSavedUsd().doubleValue());
        }
        json.writeFieldName("cache_saved_ms");
        json.writeNumber(Math.round(ctx.cacheSavedMs() * 10) / 10.0);
      }
      // Added last so consumers of the earlier fields see the same line.
      json.writeFieldName(Field.ROUTE_REASON.json);
      json.writeString(ctx.routeReason());
      if (ctx.language() != null) {
        // Only when a language rule of the route made the gateway detect it.
        json.writeFieldName(Field.LANGUAGE.json);
        json.writeString(ctx.language());
      }
      // Who called (issue #17), after every earlier field: the consumer's name and labels, never
      // its key; null and {} when the gateway requires no consumer key.
      json.writeFieldName(Field.CONSUMER.json);
      json.writeString(ctx.consumerName());
      json.writeFieldName(Field.CONSUMER_LABELS.json);
      json.writeStartObject();
      for (var label : new TreeMap<>(ctx.consumerLabels()).entrySet()) {
        json.writeStringField(label.getKey(), label.getValue());
      }
      json.writeEndObject();
      json.writeEndObject();
      json.flush();
      return out.toByteArray();
    } catch (IOException e) {
      // An in-memory writer does not fail; keep a parseable line should the generator ever throw.
      return ("{\"type\":\"request\",\"request_id\":\"" + ctx.requestId() + "\"}")
          .getBytes(StandardCharsets.UTF_8);
    } finally {
      out.release();
      recycler.releaseToPool();
    }
  }

  /**
   * The line's field names, pre-quoted once: writing a {@link SerializedString} copies its escaped
   * characters instead of checking every name for escapes on each request.
   */
  private enum Field {
    TS("ts"),
    TYPE("type"),
    REQUEST_ID("request_id"),
    OPERATION("operation"),
    STREAM("stream"),
    ROUTE("route"),
    CONFIG_VERSION("config_version"),
    PROVIDER("provider"),
    TARGET_MODEL("target_model"),
    ARM("arm"),
    MODEL_VERSION("model_version"),
    SYSTEM_FINGERPRINT("system_fingerprint"),
    STATUS("status"),
    OUTCOME("outcome"),
    ERROR_CLASS("error_class"),
    ATTEMPTS("attempts"),
    ATTEMPT_OUTCOMES("attempt_outcomes"),
    LATENCY_MS("latency_ms"),
    TTFT_MS("ttft_ms"),
    INPUT_TOKENS("input_tokens"),
    OUTPUT_TOKENS("output_tokens"),
    CACHED_TOKENS("cached_tokens"),
    CACHE_WRITE_TOKENS("cache_write_tokens"),
    COST_USD("cost_usd"),
    USAGE_ESTIMATED("usage_estimated"),
    FINISH_REASON("finish_reason"),
    REQUEST_BODY("request_body"),
    RESPONSE_BODY("response_body"),
    CACHE("cache"),
    ROUTE_REASON("route_reason"),
    DETERMINISTIC("deterministic"),
    SEED("seed"),
    SEED_INJECTED("seed_injected"),
    SYSTEM_PROMPT_HASH("system_prompt_hash"),
    TEMPERATURE("temperature"),
    TOP_P("top_p"),
    UNHONOURED_PARAMS("unhonoured_params"),
    CONSUMER("consumer"),
    CONSUMER_LABELS("consumer_labels"),
    LANGUAGE("language");

    private final SerializedString json;

    Field(String name) {
      this.json = new SerializedString(name);
    }
  }
}
