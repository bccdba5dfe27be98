package dev.switchboard.gateway.cache;

/** Turns a text into a unit-length embedding vector. Blocking: call it off the event loop. */
public interface Embedder {

  /** The L2-normalised embedding of {@code text}, or null when this embedder does not embed it. */
  float[] embed(String text);

  /** The vector length. */
  int dimensions();
}
