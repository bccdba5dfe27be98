package dev.switchboard.operator.render;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.status.Problem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link RoutingTableComposer} remembers between two renders of one namespace, so a render
 * costs work in proportion to what changed: each route's validation, reference check and entry,
 * keyed by the route's generation and the state of what it references; and the last composed table
 * with its canonical bytes, reused when every part of the new one is equal.
 *
 * <p>Not thread-safe: one namespace's renders are serialized by its caller (the ModelRoute
 * reconciler renders a namespace in one thread at a time).
 */
public final class RenderMemo {

  /**
   * Everything a route's own rendering depends on: the route object (uid and generation, which
   * changes with the spec; the rendering reads nothing of the status) and a stamp per referenced
   * provider and policy (its generation and validation outcome).
   */
  record RouteKey(String uid, String version, List<String> references) {}

  /** A route rendered from its spec: its problems, and its entry when it has none. */
  record RouteRender(
      List<Problem> specProblems, List<Problem> referenceProblems, RoutingTable.Route desired) {}

  record Entry(RouteKey key, RouteRender render) {}

  /** The parts of the last composed table and what they produced. */
  record Composed(
      Map<String, RoutingTable.Provider> providers,
      Map<String, RoutingTable.Policy> policies,
      Map<String, String> keys,
      List<RoutingTable.Route> routes,
      RoutingTable table,
      byte[] canonicalJson) {}

  private Map<String, Entry> routes = new HashMap<>();
  private Composed composed;
  private final AtomicLong routeRenders = new AtomicLong();
  private final AtomicLong tableRenders = new AtomicLong();

  /** A memo with nothing remembered. */
  public RenderMemo() {}

  /** How many times a route was rendered (validated, checked and turned into an entry). */
  public long routeRenders() {
    return routeRenders.get();
  }

  /**
   * How many times a whole table was built, validated and serialized (the part of a render that is
   * proportional to the namespace's size).
   */
  public long tableRenders() {
    return tableRenders.get();
  }

  Map<String, Entry> routes() {
    return routes;
  }

  /** Keeps exactly the entries of this render: a route that is gone is forgotten. */
  void replaceRoutes(Map<String, Entry> current) {
    routes = current;
  }

  Composed composed() {
    return composed;
  }

  void composed(Composed composed) {
    this.composed = composed;
  }

  void countRouteRender() {
    routeRenders.incrementAndGet();
  }

  void countTableRender() {
    tableRenders.incrementAndGet();
  }
}
