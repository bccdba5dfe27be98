package dev.switchboard.mock.sse;

/**
 * One dispatched server-sent event.
 *
 * @param event the {@code event:} field, or {@code null} (meaning the default "message")
 * @param data the {@code data:} lines joined with {@code \n}
 * @param id the last {@code id:} field seen, or {@code null}
 */
public record SseEvent(String event, String data, String id) {

  /** True for OpenAI's terminating {@code data: [DONE]}. */
  public boolean isDone() {
    return "[DONE]".equals(data);
  }
}
