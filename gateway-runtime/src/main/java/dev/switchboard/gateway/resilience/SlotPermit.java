package dev.switchboard.gateway.resilience;

/** One held concurrency slot (a bulkhead's or a global lease); {@link #release()} is idempotent. */
public interface SlotPermit {

  /** Gives the slot back; calls after the first do nothing. */
  void release();

  /** Holds {@code first} and {@code second} together; releases each exactly once. */
  static SlotPermit both(SlotPermit first, SlotPermit second) {
    if (first == null) {
      return second;
    }
    if (second == null) {
      return first;
    }
    java.util.concurrent.atomic.AtomicBoolean released =
        new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        second.release();
        first.release();
      }
    };
  }
}
