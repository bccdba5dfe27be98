package dev.switchboard.operator.providerendpoint;

import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Finds a ProviderEndpoint's API key in the user's Secret, through a lookup backed by an informer
 * cache. The key never leaves this class except inside {@link Credentials}, whose {@code toString}
 * hides it.
 */
public final class CredentialResolver {

  /** The CRD schema's default for {@code apiKeySecretRef.key}. */
  public static final String DEFAULT_KEY = "apiKey";

  private final BiFunction<String, String, Optional<Secret>> secretLookup;

  /**
   * @param secretLookup (namespace, name) → the Secret from a cache; never an API call
   */
  public CredentialResolver(BiFunction<String, String, Optional<Secret>> secretLookup) {
    this.secretLookup = secretLookup;
  }

  /** The endpoint's credentials, or the problem that prevents using them. */
  public Result resolve(ProviderEndpoint endpoint) {
    SecretKeyRef ref = endpoint.getSpec() == null ? null : endpoint.getSpec().getApiKeySecretRef();
    if (ref == null) {
      return new Result(Credentials.NONE, null); // keyless, e.g. a self-hosted model
    }
    String namespace = endpoint.getMetadata().getNamespace();
    if (ref.getName() == null) {
      return failed(Reason.INVALID_SPEC, "spec.apiKeySecretRef needs the name of a Secret");
    }
    return resolve(namespace, ref);
  }

  /**
   * The key a Secret reference names (the ref must have a name), or the problem: problems name the
   * Secret and the key, never a value. A provider's key and a consumer's alike must be one key a
   * client can send as a header value.
   */
  public Result resolve(String namespace, SecretKeyRef ref) {
    Result result = read(namespace, ref);
    if (result.resolved()
        && !dev.switchboard.contract.UpstreamHeaders.isValidKey(result.credentials().apiKey())) {
      // Sent as a header value, such a key is refused by the gateway's HTTP client with an error
      // that quotes it whole (a provider's), or can never be presented by a client (a consumer's,
      // whose hash would be published as a working key); this says why where users look.
      String key = ref.getKey() == null ? DEFAULT_KEY : ref.getKey();
      return failed(
          Reason.INVALID_KEY,
          "key '"
              + key
              + "' of Secret '"
              + ref.getName()
              + "' is not a valid API key: it has a line break, space or other character outside"
              + " visible ASCII inside (two keys on two lines?); put exactly one key there");
    }
    return result;
  }

  private Result read(String namespace, SecretKeyRef ref) {
    // The schema defaults the key; the same default here keeps servers that do not apply schema
    // defaults (the mock API server) rendering exactly what a real cluster would.
    String key = ref.getKey() == null ? DEFAULT_KEY : ref.getKey();
    Optional<Secret> secret = secretLookup.apply(namespace, ref.getName());
    if (secret.isEmpty()) {
      return failed(
          Reason.SECRET_NOT_FOUND,
          "Secret '"
              + ref.getName()
              + "' does not exist in namespace '"
              + namespace
              + "'; create it with key '"
              + key
              + "' holding the API key");
    }
    Optional<String> value = valueOf(secret.get(), key);
    if (value.isEmpty()) {
      return failed(
          Reason.SECRET_KEY_NOT_FOUND,
          "Secret '" + ref.getName() + "' has no key '" + key + "'; add the API key under it");
    }
    if (value.get().isBlank()) {
      return failed(
          Reason.SECRET_KEY_EMPTY,
          "key '" + key + "' of Secret '" + ref.getName() + "' is empty; put the API key there");
    }
    return new Result(new Credentials(value.get().strip()), null);
  }

  private static Optional<String> valueOf(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().containsKey(key)) {
      String encoded = secret.getData().get(key);
      try {
        return Optional.of(
            new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        return Optional.of(""); // undecodable data reads as empty rather than leaking it
      }
    }
    // stringData is write-only on a real API server but stays as written on the mock server.
    if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
      return Optional.ofNullable(secret.getStringData().get(key));
    }
    return Optional.empty();
  }

  private static Result failed(Reason reason, String message) {
    return new Result(null, new Problem(reason, message));
  }

  /** Either credentials or a problem. */
  public record Result(Credentials credentials, Problem problem) {
    public boolean resolved() {
      return problem == null;
    }
  }

  /** An API key, or none for keyless endpoints. {@code toString} never shows the key. */
  public record Credentials(String apiKey) {
    public static final Credentials NONE = new Credentials(null);

    public boolean hasKey() {
      return apiKey != null;
    }

    @Override
    public String toString() {
      return hasKey() ? "Credentials[apiKey=<redacted>]" : "Credentials[none]";
    }
  }
}
