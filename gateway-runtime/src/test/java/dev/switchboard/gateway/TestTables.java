package dev.switchboard.gateway;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import java.util.List;
import java.util.Map;

/** Small builders for routing tables in tests. */
public final class TestTables {

  private TestTables() {}

  public static RoutingTable.Provider provider(String name, String baseUrl, boolean hasKey) {
    return provider(name, "openai-compatible", baseUrl, hasKey, Map.of(), null);
  }

  public static RoutingTable.Provider provider(
      String name,
      String kind,
      String baseUrl,
      boolean hasKey,
      Map<String, RoutingTable.Model> models,
      RoutingTable.Timeouts timeouts) {
    return new RoutingTable.Provider(
        name, kind, baseUrl, hasKey, null, Map.of(), timeouts, null, null, null, models);
  }

  public static RoutingTable.Model priced(double inPerM, double outPerM) {
    return new RoutingTable.Model(
        List.of("chat"), 128_000L, new RoutingTable.Pricing(inPerM, outPerM, null, "USD"), null);
  }

  public static RoutingTable.Target target(String provider, String model, int priority) {
    return new RoutingTable.Target(provider, model, 100, priority);
  }

  public static RoutingTable.Route route(
      String name, List<String> aliases, RoutingTable.Target... targets) {
    return new RoutingTable.Route(name, name, aliases, null, 1, List.of(targets), List.of(), null);
  }

  /** A route on {@code targets} under the policy named {@code policy} (null: none). */
  public static RoutingTable.Route policyRoute(
      String name, String policy, RoutingTable.Target... targets) {
    return new RoutingTable.Route(
        name, name, List.of(), policy, 1, List.of(targets), List.of(), null);
  }

  /** A policy that sets only the response cache. */
  public static RoutingTable.Policy cachePolicy(String name, RoutingTable.Cache cache) {
    return new RoutingTable.Policy(
        name, null, null, null, null, null, null, null, cache, null, null);
  }

  public static RoutingTable table(
      List<RoutingTable.Provider> providers, List<RoutingTable.Route> routes) {
    return table(providers, List.of(), routes);
  }

  /** As {@link #table(List, List)}, with the routing policies the routes name. */
  public static RoutingTable table(
      List<RoutingTable.Provider> providers,
      List<RoutingTable.Policy> policies,
      List<RoutingTable.Route> routes) {
    Map<String, RoutingTable.Provider> byName = new java.util.TreeMap<>();
    providers.forEach(p -> byName.put(p.name(), p));
    Map<String, RoutingTable.Policy> byPolicy = new java.util.TreeMap<>();
    policies.forEach(p -> byPolicy.put(p.name(), p));
    return RoutingTableCodec.versioned(
        new RoutingTable(RoutingTable.SCHEMA_VERSION, null, "test", byName, byPolicy, routes));
  }
}
