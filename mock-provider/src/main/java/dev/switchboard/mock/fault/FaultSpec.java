package dev.switchboard.mock.fault;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One parsed fault description; the same grammar is used by the {@code x-mock-fault} header, the
 * admin endpoint and the Java API.
 *
 * <p>Grammar: directives separated by {@code ,}; a directive is {@code name[:argument]} followed by
 * optional {@code ;key=value} parameters. Examples:
 *
 * <ul>
 *   <li>{@code status:429;retry-after=2} or {@code status:429;retry-after-ms=1500}
 *   <li>{@code status:429;code=insufficient_quota} (the error body's {@code code}: OpenAI's
 *       out-of-credit answer, with its type and message; any other code goes into the body as is).
 *       Provider-specific codes: {@code status:400;code=credit_balance_too_low} (Anthropic paths:
 *       its 400 {@code invalid_request_error} "Your credit balance is too low…"), {@code
 *       status:404;code=404} (Azure paths: {@code {"error":{"code":"404","message":"Resource not
 *       found"}}}, a wrong endpoint), {@code status:429;code=per-day} (Gemini paths: a {@code
 *       QuotaFailure} for the per-day quota, with {@code RetryInfo} only given a {@code
 *       retry-after})
 *   <li>{@code status:500}, {@code status:503}
 *   <li>{@code delay:300} (fixed) or {@code delay:100-900} (uniformly random, seeded)
 *   <li>{@code drip:50} (stream chunks every 50 ms)
 *   <li>{@code reset-before-headers}, {@code reset-after-headers}
 *   <li>{@code truncate:3} (stream 3 events, then end the body without {@code [DONE]})
 *   <li>{@code stall} (accept the request, never answer)
 *   <li>{@code stall-after:3} (stream 3 events, then go silent with the connection open)
 *   <li>{@code stream-error:3} (stream 3 events, then an OpenAI {@code data: {"error": ...}} event
 *       and the end of the body without {@code [DONE]}); {@code
 *       stream-error:0;code=insufficient_quota} puts that code into the event (OpenAI paths)
 *   <li>{@code tokens:400} (not a fault: answer with 400 content deltas, e.g. to make one model
 *       verbose for canary analysis)
 *   <li>{@code prompt-tokens:1000}, {@code cached-tokens:200} (not faults: exact usage figures for
 *       cost tests)
 *   <li>{@code non-json} (200 with an HTML body)
 *   <li>{@code refusal} (a refusal: {@code message.refusal} / {@code delta.refusal} set, {@code
 *       finish_reason: stop}, as OpenAI answers one; Anthropic {@code stop_reason: refusal}, Gemini
 *       a {@code SAFETY} block)
 *   <li>{@code content-filter} (the answer cut short by a content filter: the first half of its
 *       text, {@code finish_reason: content_filter}; Responses {@code incomplete} with reason
 *       {@code content_filter}, Anthropic {@code stop_reason: refusal}, Gemini {@code SAFETY})
 *   <li>{@code fail-rate:0.3} (answer 500 with probability 0.3, seeded)
 *   <li>{@code echo-auth} (put the received {@code Authorization} or {@code api-key} header into
 *       the answer: the error message of {@code status:N} and {@code stream-error:N}, else the
 *       answer's content, the way careless providers echo credentials)
 *   <li>{@code endless-json} (200 {@code application/json} whose body never ends)
 *   <li>{@code gemini-finish:MALFORMED_FUNCTION_CALL} (Gemini paths: the answer ends with that
 *       {@code finishReason} instead of its own, e.g. {@code OTHER}, {@code RECITATION}, {@code
 *       LANGUAGE}: an answer Gemini cut short); {@code ;candidate=1} ends only that candidate (0
 *       based) so, the others with their own
 *   <li>{@code anthropic-stop:pause_turn} (Anthropic paths: the answer ends with that {@code
 *       stop_reason} instead of its own, e.g. {@code pause_turn}, a server-tool turn Anthropic
 *       paused)
 *   <li>{@code gemini-usage-tail} (Gemini streams: the finishing event carries no usage, an event
 *       of its own after it does, as Gemini sometimes sends it)
 *   <li>{@code gemini-signature-tail} (Gemini streams of a signed function call: the call's part
 *       comes without its {@code thoughtSignature}, which a later event brings on a part of its own
 *       with empty text, the one with the finish reason, as Gemini may stream it)
 *   <li>{@code linger} (stream every event, the final one included, then keep the connection open
 *       without a byte more: an upstream that is slow to close after its answer)
 *   <li>{@code trickle:100} (a JSON answer's body one byte every 100 ms after its head: an upstream
 *       that is never idle for long yet never finishes)
 *   <li>{@code unterminated-end} (a complete stream whose final event lacks the blank line after
 *       it: the body ends with {@code data: [DONE]\n}, as some OpenAI-compatible servers end it);
 *       {@code unterminated-end:bare} also leaves out that line's end ({@code data: [DONE]})
 *   <li>combinations: {@code delay:200,status:503}
 * </ul>
 *
 * @param status HTTP status to answer with instead of a completion, or {@code null}
 * @param retryAfterSeconds value of the {@code Retry-After} header, or {@code null}
 * @param retryAfterMs value of the {@code retry-after-ms} header, or {@code null}
 * @param errorCode the {@code code} of a {@code status:N} error body or of a {@code stream-error:N}
 *     event, or {@code null} for the status's own (a stream's {@code server_error})
 * @param delayMinMs lower bound of the delay before headers, 0 for none
 * @param delayMaxMs upper bound of the delay before headers (equal to min for a fixed delay)
 * @param dripMs interval between stream events, or {@code null} for the request's default
 * @param resetBeforeHeaders reset the TCP connection before any response byte
 * @param resetAfterHeaders send headers and part of the body, then reset the TCP connection
 * @param truncateAfterEvents number of stream events sent before the body ends without [DONE]
 * @param stall never answer
 * @param stallAfterEvents number of stream events sent before going silent, or {@code null}
 * @param streamErrorAfterEvents number of stream events sent before an error event, or {@code null}
 * @param completionPieces number of content deltas to answer with, or {@code null}
 * @param promptTokens reported {@code usage.prompt_tokens}, or {@code null} for the estimate
 * @param cachedTokens reported {@code prompt_tokens_details.cached_tokens}, or {@code null}
 * @param nonJson answer 200 with an HTML body
 * @param refusal answer with a refusal
 * @param contentFilter cut the answer short as a content filter does
 * @param failRate probability of a 500, or {@code null}
 * @param echoAuth echo the received credentials header in the answer
 * @param endlessJson answer 200 with a JSON body that never ends
 * @param geminiFinish the {@code finishReason} a Gemini answer ends with, or {@code null} for its
 *     own
 * @param geminiFinishCandidate the only candidate (0 based) that ends with {@code geminiFinish}, or
 *     {@code null} for every candidate
 * @param linger keep a complete stream's connection open after its final event
 * @param geminiUsageTail a Gemini stream sends its usage in an event of its own after the finish
 * @param geminiSignatureTail a Gemini stream sends a call's thought signature on a later part
 * @param anthropicStop the {@code stop_reason} an Anthropic answer ends with, or {@code null} for
 *     its own
 * @param trickleMs interval between the bytes of a JSON answer's body, or {@code null} to send it
 *     at once
 * @param unterminatedEnd how a complete stream's final event ends: {@code line} (its last line end
 *     but no blank line), {@code bare} (not even that line end), or {@code null} for a whole event
 * @param noUsage the answer reports no token usage (a JSON answer without its {@code usage}, a
 *     stream without usage in any event)
 * @param source the text this spec was parsed from
 */
public record FaultSpec(
    Integer status,
    Integer retryAfterSeconds,
    Long retryAfterMs,
    String errorCode,
    long delayMinMs,
    long delayMaxMs,
    Long dripMs,
    boolean resetBeforeHeaders,
    boolean resetAfterHeaders,
    Integer truncateAfterEvents,
    boolean stall,
    Integer stallAfterEvents,
    Integer streamErrorAfterEvents,
    Integer completionPieces,
    Integer promptTokens,
    Integer cachedTokens,
    boolean nonJson,
    boolean refusal,
    boolean contentFilter,
    Double failRate,
    boolean echoAuth,
    boolean endlessJson,
    String geminiFinish,
    Integer geminiFinishCandidate,
    boolean linger,
    boolean geminiUsageTail,
    boolean geminiSignatureTail,
    String anthropicStop,
    Long trickleMs,
    String unterminatedEnd,
    boolean noUsage,
    String source) {

  /** No fault: the request is answered normally. */
  public static final FaultSpec NONE =
      new FaultSpec(
          null, null, null, null, 0, 0, null, false, false, null, false, null, null, null, null,
          null, false, false, false, null, false, false, null, null, false, false, false, null,
          null, null, false, "none");

  /** Parses the grammar described on the type; throws {@link IllegalArgumentException}. */
  public static FaultSpec parse(String text) {
    Objects.requireNonNull(text, "fault");
    String trimmed = text.trim();
    if (trimmed.isEmpty() || trimmed.equalsIgnoreCase("none")) {
      return NONE;
    }
    Builder b = new Builder();
    for (String directive : trimmed.split(",")) {
      String d = directive.trim();
      if (d.isEmpty()) {
        continue;
      }
      String[] parts = d.split(";");
      String head = parts[0].trim();
      int colon = head.indexOf(':');
      String name = (colon < 0 ? head : head.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
      String arg = colon < 0 ? null : head.substring(colon + 1).trim();
      switch (name) {
        case "status" -> {
          b.status = parseInt(requireArg(name, arg), name);
          if (b.status < 100 || b.status > 599) {
            throw new IllegalArgumentException("status must be 100..599: " + arg);
          }
        }
        case "delay" -> {
          String a = requireArg(name, arg);
          int dash = a.indexOf('-');
          if (dash < 0) {
            b.delayMin = b.delayMax = parseLong(a, name);
          } else {
            b.delayMin = parseLong(a.substring(0, dash), name);
            b.delayMax = parseLong(a.substring(dash + 1), name);
            if (b.delayMax < b.delayMin) {
              throw new IllegalArgumentException("delay range is reversed: " + a);
            }
          }
        }
        case "drip" -> b.drip = parseLong(requireArg(name, arg), name);
        case "trickle" -> {
          b.trickle = parseLong(requireArg(name, arg), name);
          if (b.trickle < 1) {
            throw new IllegalArgumentException("trickle must be positive: " + arg);
          }
        }
        case "reset-before-headers" -> b.resetBefore = true;
        case "reset-after-headers" -> b.resetAfter = true;
        case "truncate" -> b.truncate = arg == null ? 1 : parseInt(arg, name);
        case "stall" -> b.stall = true;
        case "stall-after" -> b.stallAfter = parseInt(requireArg(name, arg), name);
        case "stream-error" -> b.streamError = parseInt(requireArg(name, arg), name);
        case "prompt-tokens" -> b.promptTokens = parseInt(requireArg(name, arg), name);
        case "cached-tokens" -> b.cachedTokens = parseInt(requireArg(name, arg), name);
        case "tokens" -> {
          b.tokens = parseInt(requireArg(name, arg), name);
          if (b.tokens < 1) {
            throw new IllegalArgumentException("tokens must be positive: " + arg);
          }
        }
        case "non-json" -> b.nonJson = true;
        case "refusal" -> b.refusal = true;
        case "content-filter" -> b.contentFilter = true;
        case "echo-auth" -> b.echoAuth = true;
        case "endless-json" -> b.endlessJson = true;
        case "linger" -> b.linger = true;
        case "unterminated-end" -> {
          b.unterminatedEnd = arg == null ? "line" : arg.toLowerCase(Locale.ROOT);
          if (!b.unterminatedEnd.equals("line") && !b.unterminatedEnd.equals("bare")) {
            throw new IllegalArgumentException("unterminated-end is 'line' or 'bare': " + arg);
          }
        }
        case "gemini-finish" -> b.geminiFinish = requireArg(name, arg).toUpperCase(Locale.ROOT);
        case "gemini-usage-tail" -> b.geminiUsageTail = true;
        case "gemini-signature-tail" -> b.geminiSignatureTail = true;
        case "no-usage" -> b.noUsage = true;
        case "anthropic-stop" -> b.anthropicStop = requireArg(name, arg).toLowerCase(Locale.ROOT);
        case "fail-rate" -> {
          b.failRate = Double.parseDouble(requireArg(name, arg));
          if (b.failRate < 0 || b.failRate > 1) {
            throw new IllegalArgumentException("fail-rate must be within 0..1: " + arg);
          }
        }
        default -> throw new IllegalArgumentException("unknown fault directive: " + name);
      }
      for (int i = 1; i < parts.length; i++) {
        applyParameter(b, name, parts[i].trim());
      }
    }
    if (b.delayMin < 0
        || negative(b.drip)
        || negative(b.truncate)
        || negative(b.stallAfter)
        || negative(b.streamError)
        || negative(b.promptTokens)
        || negative(b.cachedTokens)) {
      throw new IllegalArgumentException("negative value in fault: " + text);
    }
    return new FaultSpec(
        b.status,
        b.retryAfter,
        b.retryAfterMs,
        b.errorCode,
        b.delayMin,
        b.delayMax,
        b.drip,
        b.resetBefore,
        b.resetAfter,
        b.truncate,
        b.stall,
        b.stallAfter,
        b.streamError,
        b.tokens,
        b.promptTokens,
        b.cachedTokens,
        b.nonJson,
        b.refusal,
        b.contentFilter,
        b.failRate,
        b.echoAuth,
        b.endlessJson,
        b.geminiFinish,
        b.geminiFinishCandidate,
        b.linger,
        b.geminiUsageTail,
        b.geminiSignatureTail,
        b.anthropicStop,
        b.trickle,
        b.unterminatedEnd,
        b.noUsage,
        trimmed);
  }

  /**
   * Resolves {@code fail-rate} for one request: the same spec without it, answering 500 when {@code
   * fail} is true.
   */
  public FaultSpec resolveFailRate(boolean fail) {
    return new FaultSpec(
        fail ? Integer.valueOf(500) : status,
        retryAfterSeconds,
        retryAfterMs,
        errorCode,
        delayMinMs,
        delayMaxMs,
        dripMs,
        resetBeforeHeaders,
        resetAfterHeaders,
        truncateAfterEvents,
        stall,
        stallAfterEvents,
        streamErrorAfterEvents,
        completionPieces,
        promptTokens,
        cachedTokens,
        nonJson,
        refusal,
        contentFilter,
        null,
        echoAuth,
        endlessJson,
        geminiFinish,
        geminiFinishCandidate,
        linger,
        geminiUsageTail,
        geminiSignatureTail,
        anthropicStop,
        trickleMs,
        unterminatedEnd,
        noUsage,
        source);
  }

  /** The configured Retry-After seconds, if any. */
  public OptionalInt retryAfter() {
    return retryAfterSeconds == null ? OptionalInt.empty() : OptionalInt.of(retryAfterSeconds);
  }

  /** The configured stream event interval, if any. */
  public OptionalLong drip() {
    return dripMs == null ? OptionalLong.empty() : OptionalLong.of(dripMs);
  }

  /** True when this spec changes nothing about the answer. */
  public boolean isNone() {
    return status == null
        && delayMaxMs == 0
        && dripMs == null
        && !resetBeforeHeaders
        && !resetAfterHeaders
        && truncateAfterEvents == null
        && !stall
        && stallAfterEvents == null
        && streamErrorAfterEvents == null
        && completionPieces == null
        && promptTokens == null
        && cachedTokens == null
        && !nonJson
        && !refusal
        && !contentFilter
        && failRate == null
        && !echoAuth
        && !endlessJson
        && geminiFinish == null
        && !linger
        && !geminiUsageTail
        && !geminiSignatureTail
        && anthropicStop == null
        && trickleMs == null
        && unterminatedEnd == null
        && !noUsage;
  }

  @Override
  public String toString() {
    return source;
  }

  private static void applyParameter(Builder b, String directive, String param) {
    if (param.isEmpty()) {
      return;
    }
    int eq = param.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("parameter must be key=value: " + param);
    }
    String key = param.substring(0, eq).trim().toLowerCase(Locale.ROOT);
    String value = param.substring(eq + 1).trim();
    switch (key) {
      case "retry-after" -> b.retryAfter = parseInt(value, key);
      case "retry-after-ms" -> b.retryAfterMs = parseLong(value, key);
      case "code" -> {
        if (!("status".equals(directive) || "stream-error".equals(directive)) || value.isEmpty()) {
          throw new IllegalArgumentException(
              "parameter 'code' is only for status and stream-error, with a value");
        }
        b.errorCode = value;
      }
      case "candidate" -> {
        if (!"gemini-finish".equals(directive)) {
          throw new IllegalArgumentException("parameter 'candidate' is only for gemini-finish");
        }
        b.geminiFinishCandidate = parseInt(value, key);
        if (b.geminiFinishCandidate < 0) {
          throw new IllegalArgumentException("candidate must not be negative: " + value);
        }
      }
      default ->
          throw new IllegalArgumentException(
              "unknown parameter '" + key + "' for directive " + directive);
    }
  }

  private static boolean negative(Number n) {
    return n != null && n.longValue() < 0;
  }

  private static String requireArg(String name, String arg) {
    if (arg == null || arg.isEmpty()) {
      throw new IllegalArgumentException("fault directive '" + name + "' needs an argument");
    }
    return arg;
  }

  private static int parseInt(String s, String what) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": not an integer: " + s, e);
    }
  }

  private static long parseLong(String s, String what) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": not an integer: " + s, e);
    }
  }

  private static final class Builder {
    Integer status;
    Integer retryAfter;
    Long retryAfterMs;
    String errorCode;
    long delayMin;
    long delayMax;
    Long drip;
    boolean resetBefore;
    boolean resetAfter;
    Integer truncate;
    boolean stall;
    Integer stallAfter;
    Integer streamError;
    Integer tokens;
    Integer promptTokens;
    Integer cachedTokens;
    boolean nonJson;
    boolean refusal;
    boolean contentFilter;
    Double failRate;
    boolean echoAuth;
    boolean endlessJson;
    String geminiFinish;
    Integer geminiFinishCandidate;
    boolean linger;
    boolean geminiUsageTail;
    boolean geminiSignatureTail;
    String anthropicStop;
    Long trickle;
    String unterminatedEnd;
    boolean noUsage;
  }
}
