package dev.switchboard.contract;

import java.util.Optional;

/**
 * The semantic cache's embedder as the routing table names it ({@link
 * RoutingTable.Cache#semanticEmbedder()}): {@code builtin:NAME} (a model bundled with the gateway)
 * or {@code provider:PROVIDER/MODEL} (the embeddings API of the table's provider {@code PROVIDER},
 * model {@code MODEL}). Provider names are DNS labels (no slash), so the first slash separates them
 * from a model id that may hold slashes of its own. The one place both sides write and read the
 * notation.
 *
 * @param builtin the bundled model's name, or null for a provider embedder
 * @param provider the provider's name, or null for a builtin embedder
 * @param model the embedding model at the provider, or null for a builtin embedder
 */
public record EmbedderRef(String builtin, String provider, String model) {

  private static final String BUILTIN = "builtin:";
  private static final String PROVIDER = "provider:";

  /** A bundled model. */
  public static EmbedderRef builtin(String name) {
    return new EmbedderRef(name, null, null);
  }

  /** A provider's embedding model. */
  public static EmbedderRef provider(String provider, String model) {
    return new EmbedderRef(null, provider, model);
  }

  /** Whether this is a provider's embedding model. */
  public boolean isProvider() {
    return provider != null;
  }

  /** The table notation: {@code builtin:NAME} or {@code provider:PROVIDER/MODEL}. */
  public String notation() {
    return isProvider() ? PROVIDER + provider + "/" + model : BUILTIN + builtin;
  }

  /** The reference {@code notation} names, or empty when it is not one of the two forms. */
  public static Optional<EmbedderRef> parse(String notation) {
    if (notation == null) {
      return Optional.empty();
    }
    if (notation.startsWith(BUILTIN) && notation.length() > BUILTIN.length()) {
      return Optional.of(builtin(notation.substring(BUILTIN.length())));
    }
    if (notation.startsWith(PROVIDER)) {
      String rest = notation.substring(PROVIDER.length());
      int slash = rest.indexOf('/');
      if (slash > 0 && slash < rest.length() - 1) {
        return Optional.of(provider(rest.substring(0, slash), rest.substring(slash + 1)));
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return notation();
  }
}
