package dev.switchboard.gateway.routing;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.gateway.config.ConfigListener;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's live configuration: the current routing snapshot and provider keys, each swapped
 * atomically. A document is decoded and validated completely before it replaces anything; an
 * invalid one is logged, reported to listeners and otherwise ignored, so the previous snapshot
 * keeps serving.
 */
public final class RoutingState implements ConfigListener {

  private static final Logger LOG = LoggerFactory.getLogger(RoutingState.class);

  private final AtomicReference<RoutingSnapshot> snapshot = new AtomicReference<>();
  private final AtomicReference<ProviderKeys> keys = new AtomicReference<>(ProviderKeys.empty());

  /** The provider keys as the source last gave them (before keys the served table still needs). */
  private Map<String, String> sourceKeys = Map.of();

  private String keysOrigin = "";
  private final AtomicReference<ReloadResult> lastReload = new AtomicReference<>();
  private final List<Consumer<ReloadResult>> reloadListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<RoutingTable>> preparers = new CopyOnWriteArrayList<>();
  private final Clock clock;

  public RoutingState(Clock clock) {
    this.clock = clock;
  }

  /** The snapshot new requests should use, empty until a valid table was loaded. */
  public Optional<RoutingSnapshot> current() {
    return Optional.ofNullable(snapshot.get());
  }

  public ProviderKeys keys() {
    return keys.get();
  }

  public Optional<ReloadResult> lastReload() {
    return Optional.ofNullable(lastReload.get());
  }

  /**
   * Called after every offered document (applied, unchanged or rejected), and after a published
   * table the source could not read (rejected).
   */
  public void addReloadListener(Consumer<ReloadResult> listener) {
    reloadListeners.add(listener);
  }

  /**
   * Runs {@code prepare} with every new valid table before it replaces the current one, on the
   * thread that applies it: state that requests on the table read (guards with its limits, response
   * caches with its settings) is in place before the first request can start on it, so no request
   * runs on a table whose state still follows the previous one. Requests on the previous table,
   * meanwhile, meet the new state, as those still in flight after the swap always did.
   */
  public void beforeServing(Consumer<RoutingTable> prepare) {
    preparers.add(prepare);
  }

  @Override
  public void onRoutingDocument(byte[] json, String origin) {
    apply(json, origin);
  }

  /** Decodes, validates and (if valid and new) swaps in a routing document. */
  public synchronized ReloadResult apply(byte[] json, String origin) {
    ReloadResult result;
    try {
      RoutingTableCodec.AsWritten read = RoutingTableCodec.readAsWritten(json);
      RoutingTable decoded = read.table();
      List<String> problems = RoutingTableValidator.validate(decoded);
      if (!problems.isEmpty()) {
        result = rejected(decoded.configVersion(), origin, problems);
      } else {
        // The version is recomputed rather than trusted so that a hand-edited file still gets
        // a version that identifies its content — over the document as written, so that a table
        // with fields this gateway does not know (a newer operator's) keeps the version the
        // operator published, which status, metrics and headers compare.
        RoutingTable table = decoded.withConfigVersion(read.version());
        RoutingSnapshot previous = snapshot.get();
        if (previous != null && Objects.equals(previous.configVersion(), table.configVersion())) {
          result =
              new ReloadResult(
                  ReloadResult.UNCHANGED,
                  table.configVersion(),
                  origin,
                  List.of(),
                  clock.instant());
        } else {
          prepare(table);
          snapshot.set(RoutingSnapshot.of(table, clock.instant()));
          // Keys kept only for the previous table's providers go now if this one needs none.
          refreshKeys();
          result =
              new ReloadResult(
                  ReloadResult.APPLIED, table.configVersion(), origin, List.of(), clock.instant());
          LOG.info(
              "routing table {} applied from {} ({} routes, {} providers)",
              table.configVersion(),
              origin,
              table.routes().size(),
              table.providers().size());
        }
      }
    } catch (RoutingTableCodec.InvalidRoutingTableException e) {
      result = rejected(null, origin, List.of(e.getMessage()));
    }
    return publish(result);
  }

  /**
   * Runs every {@link #beforeServing} step for {@code table}; one that fails is logged and the
   * table is still served (as a failing reload listener never kept a table from serving).
   */
  private void prepare(RoutingTable table) {
    for (Consumer<RoutingTable> prepare : preparers) {
      try {
        prepare.accept(table);
      } catch (RuntimeException e) {
        LOG.error("preparing routing table {} failed in one step", table.configVersion(), e);
      }
    }
  }

  /** A published table the source could not read: rejected, the live snapshot untouched. */
  @Override
  public synchronized void onRoutingUnreadable(String origin, String problem) {
    publish(rejected(null, origin, List.of(problem)));
  }

  private ReloadResult publish(ReloadResult result) {
    lastReload.set(result);
    for (Consumer<ReloadResult> listener : reloadListeners) {
      listener.accept(result);
    }
    return result;
  }

  private ReloadResult rejected(String version, String origin, List<String> problems) {
    LOG.warn("routing table from {} rejected, previous table keeps serving: {}", origin, problems);
    return new ReloadResult(ReloadResult.REJECTED, version, origin, problems, clock.instant());
  }

  /**
   * New provider keys from the source. A key is added or replaced at once; a key the source no
   * longer holds is dropped only once the served table no longer names its provider as keyed. The
   * operator publishes the table that stops using a provider before the keys without it, but a
   * gateway reads the two objects apart (and decodes a large table for a while, or may reject it):
   * dropped at once, the key would leave the table still served sending every request to that
   * provider without one ({@code no_key}). So a deleted keys Secret, too, leaves the keys the
   * served table needs in place.
   */
  @Override
  public synchronized void onProviderKeys(Map<String, String> newKeys, String origin) {
    sourceKeys = Map.copyOf(newKeys);
    keysOrigin = origin;
    refreshKeys();
  }

  /** The source's keys, plus those of the previous keys the served table still needs. */
  private void refreshKeys() {
    RoutingSnapshot served = snapshot.get();
    ProviderKeys previous = keys.get();
    Map<String, String> effective = new java.util.HashMap<>(sourceKeys);
    java.util.Set<String> kept = new java.util.TreeSet<>();
    if (served != null) {
      for (RoutingTable.Provider p : served.table().providers().values()) {
        if (p.hasKey() && !effective.containsKey(p.name())) {
          previous
              .keyFor(p.name())
              .ifPresent(
                  key -> {
                    effective.put(p.name(), key);
                    kept.add(p.name());
                  });
        }
      }
    }
    ProviderKeys next = ProviderKeys.of(effective);
    keys.set(next);
    if (!next.equals(previous)) {
      String origin = keysOrigin;
      // Names only: key values never reach a log line.
      LOG.info("provider keys loaded from {} for {}", origin, next.providerNames());
      if (!kept.isEmpty()) {
        LOG.info(
            "provider keys for {} kept though {} no longer holds them: the routing table in force"
                + " still uses those providers",
            kept,
            origin);
      }
      if (!next.refusedNames().isEmpty()) {
        LOG.warn(
            "provider keys from {} refused for {}: not a valid key (only visible ASCII characters,"
                + " one key per entry; a line break or control character inside is not allowed);"
                + " these providers are keyless until fixed",
            origin,
            next.refusedNames());
      }
    }
  }
}
