package dev.switchboard.gateway.pipeline;

/**
 * Sees a relayed stream's upstream events (e.g. the cache collecting a complete answer): every
 * event's data as it arrived, and {@link #completed()} only when the stream reached its final event
 * and ended normally — never for a stream that failed, was cut or was cancelled.
 */
public interface StreamTap {

  /** One upstream event's data, before it is decoded. */
  void event(String data);

  /**
   * The stream reached its final event and ended normally. The client has the whole answer by then:
   * should this throw, the failure is logged at WARN and the request stays a success.
   */
  void completed();
}
