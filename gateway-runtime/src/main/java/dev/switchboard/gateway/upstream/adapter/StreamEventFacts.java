package dev.switchboard.gateway.upstream.adapter;

import dev.switchboard.gateway.request.TokenUsage;

/**
 * What one upstream stream event says, in the gateway's terms: what to relay to the client, and the
 * facts found on the way (model version, fingerprint, finish reason, refusal, usage with cached
 * tokens, or an error). A decoder reuses one instance per stream so that relaying a chunk allocates
 * nothing; fields that an event does not carry are null (false, for the refusal).
 */
public final class StreamEventFacts {

  /** What kind of event it was. */
  public enum Kind {
    /** A content chunk; {@link #payload()} is relayed. */
    CHUNK,
    /** A chunk that only the gateway needed (usage it asked for): nothing is relayed. */
    DROP,
    /** The end of the stream. */
    DONE,
    /** The provider reported a failure mid-stream; see the error fields. */
    ERROR,
    /** Not a usable event (not JSON): the stream is broken. */
    MALFORMED
  }

  private Kind kind;
  private String payload;
  private String model;
  private String systemFingerprint;
  private String finishReason;
  private boolean refused;
  private TokenUsage usage;
  private String errorMessage;
  private String errorType;
  private String errorParam;
  private String errorCode;

  void reset(Kind kind, String payload) {
    this.kind = kind;
    this.payload = payload;
    this.model = null;
    this.systemFingerprint = null;
    this.finishReason = null;
    this.refused = false;
    this.usage = null;
    this.errorMessage = null;
    this.errorType = null;
    this.errorParam = null;
    this.errorCode = null;
  }

  void kind(Kind kind, String payload) {
    this.kind = kind;
    this.payload = payload;
  }

  void facts(String model, String systemFingerprint) {
    this.model = model;
    this.systemFingerprint = systemFingerprint;
  }

  void finishReason(String finishReason) {
    this.finishReason = finishReason;
  }

  void refused() {
    this.refused = true;
  }

  void usage(TokenUsage usage) {
    this.usage = usage;
  }

  void error(String message, String type, String param, String code) {
    this.kind = Kind.ERROR;
    this.payload = null;
    this.errorMessage = message;
    this.errorType = type;
    this.errorParam = param;
    this.errorCode = code;
  }

  public Kind kind() {
    return kind;
  }

  /** The data to relay to the client (in the upstream's format), null unless {@link Kind#CHUNK}. */
  public String payload() {
    return payload;
  }

  /** The model version the event names, or null. */
  public String model() {
    return model;
  }

  public String systemFingerprint() {
    return systemFingerprint;
  }

  /** The last finish reason of the event's choices, or null. */
  public String finishReason() {
    return finishReason;
  }

  /**
   * Whether a choice of the event is a refusal; at {@link Kind#DONE}, whether the streamed answer
   * as a whole opened with a plain-text refusal.
   */
  public boolean isRefusal() {
    return refused;
  }

  /** Token usage the event reports, or null. */
  public TokenUsage usage() {
    return usage;
  }

  /** The provider's error message ({@link Kind#ERROR}), or null. */
  public String errorMessage() {
    return errorMessage;
  }

  public String errorType() {
    return errorType;
  }

  public String errorParam() {
    return errorParam;
  }

  public String errorCode() {
    return errorCode;
  }
}
