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
  MESSAGES("chat", "/messages");

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
    return this == RESPONSES || this == MESSAGES ? CHAT_COMPLETIONS : this;
  }

  /** Path below an OpenAI-style base URL, starting with a slash. */
  public String path() {
    return path;
  }
}
