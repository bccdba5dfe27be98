package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.determinism.Determinism;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.IdentitySlots;
import dev.switchboard.gateway.routing.PlannedTarget;
import io.netty.util.AsciiString;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** The {@code x-switchboard-*} headers that say what served a request. */
final class ServedHeaders {

  // Header names as pre-encoded ASCII strings: hashed and checked once, not per request.
  private static final CharSequence ROUTE = HttpHeaders.createOptimized("x-switchboard-route");
  private static final CharSequence CONFIG_VERSION =
      HttpHeaders.createOptimized("x-switchboard-config-version");
  private static final CharSequence PROVIDER =
      HttpHeaders.createOptimized("x-switchboard-provider");
  private static final CharSequence TARGET_MODEL =
      HttpHeaders.createOptimized("x-switchboard-target-model");
  private static final CharSequence ARM = HttpHeaders.createOptimized("x-switchboard-arm");
  private static final CharSequence MODEL_VERSION =
      HttpHeaders.createOptimized("x-switchboard-model-version");
  private static final CharSequence FINGERPRINT =
      HttpHeaders.createOptimized("x-switchboard-system-fingerprint");
  private static final CharSequence ATTEMPTS =
      HttpHeaders.createOptimized("x-switchboard-attempts");
  private static final CharSequence TTFT = HttpHeaders.createOptimized("x-switchboard-ttft-ms");
  private static final CharSequence ROUTE_REASON =
      HttpHeaders.createOptimized("x-switchboard-route-reason");
  private static final CharSequence CACHE = HttpHeaders.createOptimized("x-switchboard-cache");
  private static final CharSequence CACHE_SIMILARITY =
      HttpHeaders.createOptimized("x-switchboard-cache-similarity");
  private static final CharSequence SEED = HttpHeaders.createOptimized("x-switchboard-seed");
  private static final CharSequence PROMPT_HASH =
      HttpHeaders.createOptimized("x-switchboard-system-prompt-hash");
  private static final CharSequence UNHONOURED =
      HttpHeaders.createOptimized("x-switchboard-unhonoured-params");

  private ServedHeaders() {}

  /**
   * Header values that are the same String objects request after request — a table's route,
   * provider and model names, a route reason built once per change, the cache outcomes — encoded
   * once ({@link #encoded}) by the String's identity: a String value is validated and written char
   * by char on every answer, an {@link AsciiString} is copied as bytes (the answer's headers were
   * ~4 % of the realistic gateway's samples, most of it the value's encoding). A collision or a new
   * table only means encoding again.
   */
  private static final IdentitySlots<String, CharSequence> ENCODED = new IdentitySlots<>(4096);

  /** {@code x-switchboard-attempts} values up to 16, encoded once. */
  private static final CharSequence[] ATTEMPT_COUNTS = new CharSequence[17];

  static {
    for (int i = 0; i < ATTEMPT_COUNTS.length; i++) {
      ATTEMPT_COUNTS[i] = new AsciiString(Integer.toString(i));
    }
  }

  /**
   * {@code value} as the bytes it is written as: an {@link AsciiString} when it is printable ASCII
   * (the same bytes the String would be written as), else the String itself (written, and refused
   * or replaced, exactly as before).
   */
  static CharSequence encoded(String value) {
    return value == null ? null : ENCODED.get(value, ServedHeaders::encode);
  }

  private static CharSequence encode(String value) {
    return printableAscii(value) ? new AsciiString(value) : value;
  }

  private static CharSequence attempts(int count) {
    return count < ATTEMPT_COUNTS.length ? ATTEMPT_COUNTS[count] : Integer.toString(count);
  }

  /** Sets the headers of an attempt's answer (before the first byte goes out). */
  static void write(HttpServerResponse response, RequestContext ctx) {
    write(response, ctx, true);
  }

  /**
   * Sets the headers (before the first byte goes out).
   *
   * @param answersAttempt whether the answer is an attempt's (a 2xx, a cache hit, or the provider's
   *     own 4xx relayed): only then does {@code x-switchboard-unhonoured-params} say what that
   *     attempt was not sent. An error the gateway makes (every attempt failed, a timeout, a
   *     gateway 400) describes no attempt, so it names nothing, as it names no model version.
   */
  static void write(HttpServerResponse response, RequestContext ctx, boolean answersAttempt) {
    PlannedTarget t = ctx.target();
    response.putHeader(ROUTE, encoded(ctx.routeName()));
    if (ctx.snapshot() != null) {
      response.putHeader(CONFIG_VERSION, ctx.snapshot().configVersionHeader());
    }
    if (t != null) {
      response.putHeader(PROVIDER, encoded(t.provider().name()));
      response.putHeader(TARGET_MODEL, encoded(t.target().model()));
      if (PlannedTarget.CANARY.equals(t.arm())) {
        response.putHeader(ARM, t.arm());
      }
    }
    // Both come from the upstream's body: a value no header may carry is left out, not sent.
    if (headerSafe(ctx.upstreamModel())) {
      response.putHeader(MODEL_VERSION, ctx.upstreamModel());
    }
    if (headerSafe(ctx.systemFingerprint())) {
      response.putHeader(FINGERPRINT, ctx.systemFingerprint());
    }
    response.putHeader(ATTEMPTS, attempts(ctx.attempts().size()));
    if (ctx.ttftMs() != null) {
      response.putHeader(TTFT, Long.toString(Math.round(ctx.ttftMs())));
    }
    // Built by the planner from table names and numbers; checked anyway, as names are the user's.
    if (headerSafe(ctx.routeReason())) {
      // The planner's reason is one String per route until its figures change; a language suffix
      // or a deterministic pin makes a new one per request, which is not worth remembering.
      response.putHeader(
          ROUTE_REASON,
          ctx.language() == null && ctx.determinism() == null
              ? encoded(ctx.routeReason())
              : ctx.routeReason());
    }
    if (ctx.cacheOutcome() != null) {
      response.putHeader(CACHE, encoded(ctx.cacheOutcome()));
      if (ctx.cacheSimilarity() != null) {
        response.putHeader(
            CACHE_SIMILARITY, String.format(java.util.Locale.ROOT, "%.4f", ctx.cacheSimilarity()));
      }
    }
    String seed = null;
    Determinism d = ctx.determinism();
    if (d != null) {
      response.putHeader(SEED, d.seed() == null ? "none" : Long.toString(d.seed()));
      response.putHeader(PROMPT_HASH, d.systemPromptHash());
      // A cache hit has no target: the stored answer's provider did (not) honour the seed.
      String kind = ctx.servedProviderKind();
      seed = kind == null ? null : d.unhonoured(kind);
    }
    if (!answersAttempt) {
      return;
    }
    String unhonoured = unhonoured(seed, ctx.attemptUnhonoured());
    if (unhonoured != null) {
      response.putHeader(UNHONOURED, unhonoured);
      ctx.unhonouredParams(unhonoured); // the request log says the same
    }
  }

  /**
   * The {@code x-switchboard-unhonoured-params} value: the deterministic contract's unhonoured seed
   * first, then what the served attempt's adapter reported it left out or changed ({@link
   * RequestContext#attemptUnhonoured}), a seed the attempt also reports named once; null when
   * neither says anything. Nothing is built when no rule applied.
   */
  static String unhonoured(String seed, List<String> attempt) {
    if (attempt.isEmpty()) {
      return seed;
    }
    if (seed != null && attempt.contains(seed)) {
      // The attempt left the seed out too (an Anthropic target, the Responses API): said once.
      if (attempt.size() == 1) {
        return seed;
      }
      StringBuilder params = new StringBuilder(seed);
      for (String param : attempt) {
        if (!param.equals(seed)) {
          params.append(", ").append(param);
        }
      }
      return params.toString();
    }
    String params = attempt.size() == 1 ? attempt.get(0) : String.join(", ", attempt);
    return seed == null ? params : seed + ", " + params;
  }

  /**
   * Whether an upstream-provided value can go into a response header as it is: printable ASCII, at
   * most 256 characters. Anything else (line breaks above all) would be rejected by the HTTP layer,
   * or worse, split the header block.
   */
  static boolean headerSafe(String value) {
    return value != null && !value.isEmpty() && value.length() <= 256 && printableAscii(value);
  }

  /** Whether every character of {@code value} is printable ASCII (space to tilde). */
  private static boolean printableAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
