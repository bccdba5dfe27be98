package dev.switchboard.gateway.http;

/** Ends a request's Future chain with an OpenAI-shaped error. */
public final class ApiException extends RuntimeException {

  private final OpenAiError error;

  public ApiException(OpenAiError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public OpenAiError error() {
    return error;
  }
}
