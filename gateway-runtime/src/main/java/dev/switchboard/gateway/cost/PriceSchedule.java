package dev.switchboard.gateway.cost;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.TimeWindow;
import dev.switchboard.gateway.routing.PerRecordCache;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The prices of a model at an instant: the first of its {@code pricing.windows} that contains the
 * instant (a price the window leaves out is the list price), else the list prices. Windows are
 * compiled once per table record, so the request path only evaluates them.
 */
public final class PriceSchedule {

  /** Prices in force and the window that set them (null: the list prices). */
  public record Prices(RoutingTable.Pricing pricing, String window) {}

  private record Compiled(TimeWindow window, Prices prices) {}

  private static final PerRecordCache<RoutingTable.Pricing, List<Compiled>> COMPILED =
      new PerRecordCache<>(4096);

  private PriceSchedule() {}

  /** The prices of {@code list} in force at {@code now}. */
  public static Prices at(RoutingTable.Pricing list, Instant now) {
    if (list.windows() == null || list.windows().isEmpty()) {
      return new Prices(list, null);
    }
    for (Compiled c : COMPILED.get(list, PriceSchedule::compile)) {
      if (c.window().contains(now)) {
        return c.prices();
      }
    }
    return new Prices(list, null);
  }

  /**
   * Prices in force as the stats document shows them: per million input, cached input, cache-write
   * input and output tokens, the currency, and the window that set them (null: the list prices).
   */
  public static java.util.Map<String, Object> document(Prices prices) {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    RoutingTable.Pricing p = prices.pricing();
    out.put("input_per_million_tokens", p.inputPerMillionTokens());
    out.put(
        "cached_input_per_million_tokens",
        p.cachedInputPerMillionTokens() != null
            ? p.cachedInputPerMillionTokens()
            : p.inputPerMillionTokens());
    out.put(
        "cache_write_input_per_million_tokens",
        p.cacheWriteInputPerMillionTokens() != null
            ? p.cacheWriteInputPerMillionTokens()
            : p.inputPerMillionTokens());
    out.put("output_per_million_tokens", p.outputPerMillionTokens());
    out.put("currency", p.currency());
    out.put("window", prices.window());
    return out;
  }

  private static List<Compiled> compile(RoutingTable.Pricing list) {
    List<Compiled> out = new ArrayList<>();
    for (RoutingTable.PriceWindow w : list.windowsOrEmpty()) {
      // The validator rejected tables with windows that do not compile.
      out.add(
          new Compiled(
              w.window(),
              new Prices(
                  new RoutingTable.Pricing(
                      or(w.inputPerMillionTokens(), list.inputPerMillionTokens()),
                      or(w.outputPerMillionTokens(), list.outputPerMillionTokens()),
                      or(w.cachedInputPerMillionTokens(), list.cachedInputPerMillionTokens()),
                      list.currency(),
                      null,
                      null,
                      or(
                          w.cacheWriteInputPerMillionTokens(),
                          list.cacheWriteInputPerMillionTokens())),
                  w.name())));
    }
    return List.copyOf(out);
  }

  private static Double or(Double value, Double fallback) {
    return value != null ? value : fallback;
  }
}
