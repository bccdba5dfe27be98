package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.consumer.ConsumerAccess;
import dev.switchboard.gateway.consumer.ConsumerDirectory;
import dev.switchboard.gateway.consumer.ConsumerMetrics;
import dev.switchboard.gateway.consumer.ConsumerPolicy;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.Caller;

/**
 * Identifies the caller from its credentials and headers ({@link Caller}): the identity admission
 * keys client rate limits on. Nothing is hashed until a limit asks — or until consumer keys are
 * required (one Consumer exists, or the gateway was told to): then the presented key must belong to
 * a consumer, else the request ends here with 401 before any route is looked at.
 */
public final class IdentifyStage implements Stage {

  private final ConsumerAccess access;
  private final ConsumerMetrics metrics;

  /** A stage without consumer keys (open access). */
  public IdentifyStage() {
    this(new ConsumerAccess(false), null);
  }

  /**
   * @param access the live consumer directory
   * @param metrics where refusals are counted (null: nowhere)
   */
  public IdentifyStage(ConsumerAccess access, ConsumerMetrics metrics) {
    this.access = access;
    this.metrics = metrics;
  }

  @Override
  public boolean forward(Exchange exchange) {
    // Every value of a key header only where keys are required (two keys are refused there): open
    // access allocates nothing for it.
    Caller caller =
        access.directory().required()
            ? new Caller(exchange.headers(), exchange.request().headers()::getAll)
            : new Caller(exchange.headers());
    exchange.caller(caller);
    if (exchange.internal()) {
      return true; // the operator's drift check presents no consumer key, and needs none
    }
    ConsumerPolicy consumer = identify(caller);
    if (consumer != null) {
      exchange.ctx().consumer(consumer.name(), consumer.labels());
    }
    return true;
  }

  /**
   * The consumer whose key {@code caller} presents, also set on it; null when keys are not
   * required. Throws the 401 when they are and the key is missing or unknown (also for requests
   * outside the pipeline, such as the Responses API's stored-response endpoints).
   */
  public ConsumerPolicy identify(Caller caller) {
    ConsumerDirectory directory = access.directory();
    if (!directory.required()) {
      return null;
    }
    byte[] digest = caller.keyDigest();
    if (digest == null && caller.presentsAnotherScheme()) {
      refuse("scheme");
      // Nothing of the value is quoted, not even its first word: without a scheme, that is the
      // credential itself.
      throw new ApiException(
          new OpenAiError(
              401,
              "The Authorization header is not Bearer auth. Provide your consumer key as"
                  + " Authorization: Bearer YOUR_KEY, or in an api-key or x-api-key header;"
                  + " another scheme (such as Basic) or a key without the Bearer scheme is not"
                  + " accepted.",
              "invalid_request_error",
              null,
              "invalid_api_key",
              "unauthenticated"));
    }
    if (digest == null) {
      refuse("missing");
      throw new ApiException(
          new OpenAiError(
              401,
              "You didn't provide an API key. Provide your consumer key in an Authorization"
                  + " header using Bearer auth (Authorization: Bearer YOUR_KEY), or in an api-key"
                  + " or x-api-key header.",
              "invalid_request_error",
              null,
              "missing_api_key",
              "unauthenticated"));
    }
    if (caller.presentsTwoKeys()) {
      refuse("conflicting");
      // Neither key is named: one of them may be a real key of another service.
      throw new ApiException(
          new OpenAiError(
              401,
              "The request carries two different API keys (in Authorization, api-key or"
                  + " x-api-key). Send one consumer key; the same key in several headers is fine.",
              "invalid_request_error",
              null,
              "invalid_api_key",
              "unauthenticated"));
    }
    ConsumerPolicy consumer = directory.lookup(digest);
    if (consumer == null) {
      refuse("unknown");
      // Never echo the key, not even in part: it may be a real key of another service.
      throw new ApiException(
          new OpenAiError(
              401,
              "Incorrect API key provided. The key is not a consumer key of this gateway.",
              "invalid_request_error",
              null,
              "invalid_api_key",
              "unauthenticated"));
    }
    caller.consumer(consumer);
    return consumer;
  }

  private void refuse(String reason) {
    if (metrics != null) {
      metrics.unauthenticated(reason);
    }
  }
}
