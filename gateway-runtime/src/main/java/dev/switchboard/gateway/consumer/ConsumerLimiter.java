package dev.switchboard.gateway.consumer;

import dev.switchboard.gateway.state.Admission;
import dev.switchboard.gateway.state.AdmitCall;
import dev.switchboard.gateway.state.LocalStateStore;
import dev.switchboard.gateway.state.SettleCall;
import dev.switchboard.gateway.state.StateStore;
import dev.switchboard.gateway.state.StoreUnavailableException;
import io.vertx.core.Future;

/**
 * Consumer admission over the state store, with each consumer's outage policy: while the shared
 * store is unavailable a consumer with {@code onStoreUnavailable: allow} is counted in this
 * replica's memory, one with {@code deny} is refused. Without a shared store everything is counted
 * locally, per replica.
 */
public final class ConsumerLimiter {

  /**
   * An admission and the store that holds its reservation (settled there); {@code outage} is the
   * call of an admission counted in memory because the shared store was unavailable (its spend and
   * tokens are added to the shared store later), else null.
   */
  public record Ticket(Admission admission, StateStore store, AdmitCall outage) {}

  private final StateStore shared;
  private final LocalStateStore local = new LocalStateStore();

  /**
   * @param shared the shared store, or null to count per replica
   */
  public ConsumerLimiter(StateStore shared) {
    this.shared = shared;
  }

  /** Whether counts are shared across replicas. */
  public boolean shared() {
    return shared != null;
  }

  /**
   * Admits a request of {@code consumer}. Fails with {@link StoreUnavailableException} when the
   * shared store is down and the consumer's policy is {@code deny}.
   */
  public Future<Ticket> admit(ConsumerPolicy consumer, AdmitCall call) {
    if (shared == null) {
      return Future.succeededFuture(new Ticket(local.admitNow(call), local, null));
    }
    return shared
        .admit(call)
        .map(a -> new Ticket(a, shared, null))
        .recover(
            err -> {
              if (!(err instanceof StoreUnavailableException) || consumer.denyWithoutStore()) {
                return Future.failedFuture(err);
              }
              return Future.succeededFuture(new Ticket(local.admitNow(call), local, call));
            });
  }

  /**
   * Settles an admitted request where it was admitted; a store that fails keeps its reservation. A
   * request admitted in memory during an outage of the shared store also hands its cost and tokens
   * to the shared store, which adds them to the shared spend and token limits once it answers again
   * (else the shared budget and token limits would never see what was used meanwhile).
   */
  public Future<Void> settle(Ticket ticket, SettleCall call) {
    if (ticket.outage() != null
        && shared != null
        && (call.costNanoUsd() > 0 || call.tokens() > 0)) {
      shared.addOutageUsage(ticket.outage(), call.costNanoUsd(), call.tokens());
    }
    return ticket.store().settle(call).recover(err -> Future.succeededFuture());
  }

  /** The store spend is read from (shared when there is one). */
  public StateStore store() {
    return shared != null ? shared : local;
  }
}
