package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.http.OpenAiError;

/**
 * A stream being answered whose head may have gone out ({@link SseRelay}, a large cached stream
 * replayed batch by batch): a failure of the request ends it with one terminal error event ({@link
 * Exchange#fail}), never by leaving it open.
 */
interface OpenStream {

  /** Ends the stream with {@code error} as its one terminal event; nothing when it has ended. */
  void fail(OpenAiError error);
}
