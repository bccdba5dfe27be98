package dev.switchboard.gateway.security;

import io.vertx.core.buffer.Buffer;

/**
 * Scrubs a key from a byte stream relayed as it arrives (an SSE stream passed through without being
 * parsed), where a key may arrive split across two reads. A key never holds a line break (it
 * travels in a header), so every complete line is scrubbed and let through at once, and only the
 * unfinished last line waits for the next read. SSE events end with a line break, so no event is
 * held back.
 */
public final class LineKeyScrubber {

  /** Upper bound of one pending line, so a hostile upstream cannot make us buffer forever. */
  public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

  private final KeyScrubber scrubber;
  private final int maxLineBytes;
  private Buffer pending = Buffer.buffer();

  /** A scrubber of {@code scrubber}'s key holding at most {@link #MAX_LINE_BYTES} of a line. */
  public LineKeyScrubber(KeyScrubber scrubber) {
    this(scrubber, MAX_LINE_BYTES);
  }

  LineKeyScrubber(KeyScrubber scrubber, int maxLineBytes) {
    this.scrubber = scrubber;
    this.maxLineBytes = maxLineBytes;
  }

  /** A line longer than the bound arrived: the stream cannot be relayed safely. */
  public static final class LineTooLong extends IllegalStateException {
    LineTooLong(int bound) {
      super("relayed line longer than " + bound + " bytes");
    }
  }

  /**
   * What of the bytes read so far may go out now, scrubbed: everything up to the last line break;
   * empty when {@code chunk} finished no line.
   *
   * @throws LineTooLong when the unfinished line grows past the bound
   */
  public Buffer feed(Buffer chunk) {
    if (!scrubber.active()) {
      return chunk; // nothing to scrub, nothing to hold back
    }
    int lastBreak = -1;
    for (int i = chunk.length() - 1; i >= 0; i--) {
      byte b = chunk.getByte(i);
      if (b == '\n' || b == '\r') {
        lastBreak = i;
        break;
      }
    }
    if (lastBreak < 0) {
      if (pending.length() + chunk.length() > maxLineBytes) {
        throw new LineTooLong(maxLineBytes);
      }
      pending.appendBuffer(chunk);
      return Buffer.buffer();
    }
    Buffer ready = pending.appendBuffer(chunk, 0, lastBreak + 1);
    pending = chunk.getBuffer(lastBreak + 1, chunk.length()).copy();
    return Buffer.buffer(scrubber.scrub(ready.getBytes()));
  }

  /** The unfinished last line at the end of the stream, scrubbed; empty when there is none. */
  public Buffer finish() {
    Buffer rest = Buffer.buffer(scrubber.scrub(pending.getBytes()));
    pending = Buffer.buffer();
    return rest;
  }
}
