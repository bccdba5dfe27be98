package dev.switchboard.gateway.upstream;

/** The OpenAI operations the gateway proxies, with their path below a provider's base URL. */
public enum Operation {
  CHAT_COMPLETIONS("chat", "/chat/completions"),
  EMBEDDINGS("embeddings", "/embeddings");

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

  /** Path below an OpenAI-style base URL, starting with a slash. */
  public String path() {
    return path;
  }
}
