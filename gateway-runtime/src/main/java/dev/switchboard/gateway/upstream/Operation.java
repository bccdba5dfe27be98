package dev.switchboard.gateway.upstream;

/**
 * The operations the gateway proxies, each one wire format (what a front door speaks, and what an
 * upstream adapter may speak natively), with its path below an OpenAI-style base URL. The internal
 * form every adapter accepts is {@link #CHAT_COMPLETIONS} (and {@link #EMBEDDINGS}); a front door
 * whose format a target does not speak is bridged through it ({@link #internal()}).
 */
public enum Operation {
  CHAT_COMPLETIONS("chat", "/chat/completions"),
  EMBEDDINGS("embeddings", "/embeddings"),
  /** The OpenAI Responses API. */
  RESPONSES("chat", "/responses"),
  /** Anthropic Messages. */
  MESSAGES("chat", "/messages"),
  /**
   * Anthropic's {@code count_tokens}: served only by targets that speak it (never bridged: a target
   * that does not is answered 404).
   */
  COUNT_TOKENS("count_tokens", "/messages/count_tokens");

  private final String otelName;
  private final String path;

  Operation(String otelName, String path) {
    this.otelName = otelName;
    this.path = path;
  }

  /** The {@code gen_ai.operation.name} value. */
  public String otelName() {
    return otelName;
  }

  /**
   * The internal format a request of this operation is bridged through when the target does not
   * speak it: chat completions for Responses and Messages, the operation itself otherwise.
   */
  public Operation internal() {
    return this == RESPONSES || this == MESSAGES || this == COUNT_TOKENS ? CHAT_COMPLETIONS : this;
  }

  /**
   * Whether a request of this operation may be bridged through {@link #internal()} to a target that
   * does not speak it; {@link #COUNT_TOKENS} may not (a chat call counts no tokens).
   */
  public boolean bridgeable() {
    return this != COUNT_TOKENS;
  }

  /** Path below an OpenAI-style base URL, starting with a slash. */
  public String path() {
    return path;
  }
}
