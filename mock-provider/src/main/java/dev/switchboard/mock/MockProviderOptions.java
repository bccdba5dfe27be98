package dev.switchboard.mock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Configuration of a {@link MockProvider}; fluent setters, defaults suit in-process tests. */
public final class MockProviderOptions {

  private String host = "127.0.0.1";
  private int port = 0;
  private final Set<String> keys = new LinkedHashSet<>();
  private final List<String> models = new ArrayList<>();
  private final Map<String, String> modelAliases = new LinkedHashMap<>();
  private final Map<String, dev.switchboard.mock.openai.ModelPersona> personas =
      new java.util.concurrent.ConcurrentHashMap<>();
  private int embeddingDimensions = 8;
  private String systemFingerprint = "fp_mock0001";
  private long randomSeed = 42L;
  private int requestLogCapacity = 200;
  private long defaultChunkIntervalMs = 0;
  private long resetGraceMs = 50;
  private boolean fastPath = false;
  private String keyHeader;

  /** Interface to bind; loopback by default. */
  public String host() {
    return host;
  }

  public MockProviderOptions host(String host) {
    this.host = host;
    return this;
  }

  /** Port to bind; 0 (the default) picks a free port. */
  public int port() {
    return port;
  }

  public MockProviderOptions port(int port) {
    this.port = port;
    return this;
  }

  /** Accepted API keys; empty (the default) disables authentication. */
  public Set<String> keys() {
    return keys;
  }

  public MockProviderOptions keys(String... keys) {
    this.keys.clear();
    this.keys.addAll(List.of(keys));
    return this;
  }

  /** Known model ids; empty (the default) accepts any model id. */
  public List<String> models() {
    return models;
  }

  public MockProviderOptions models(String... models) {
    this.models.clear();
    this.models.addAll(List.of(models));
    return this;
  }

  /**
   * Requested model id → the id echoed in responses, e.g. {@code gpt-4o → gpt-4o-2024-08-06}, as
   * real providers answer with a resolved version. Aliases are accepted as model ids.
   */
  public Map<String, String> modelAliases() {
    return modelAliases;
  }

  public MockProviderOptions alias(String requested, String resolved) {
    modelAliases.put(requested, resolved);
    return this;
  }

  /** Length of embedding vectors unless a request sets {@code dimensions}; default 8. */
  public int embeddingDimensions() {
    return embeddingDimensions;
  }

  public MockProviderOptions embeddingDimensions(int embeddingDimensions) {
    if (embeddingDimensions < 1) {
      throw new IllegalArgumentException("embeddingDimensions must be positive");
    }
    this.embeddingDimensions = embeddingDimensions;
    return this;
  }

  /**
   * Gives {@code model} a persona (answer length and plain-text refusal share) for side-by-side
   * evaluations; see {@link dev.switchboard.mock.openai.ModelPersona}.
   */
  public MockProviderOptions persona(String model, double verbosity, double refusalRate) {
    personas.put(model, new dev.switchboard.mock.openai.ModelPersona(verbosity, refusalRate));
    return this;
  }

  /** The persona of {@code model}, or null when it answers with the echo. */
  public dev.switchboard.mock.openai.ModelPersona persona(String model) {
    return personas.get(model);
  }

  /** The {@code system_fingerprint} in every completion. */
  public String systemFingerprint() {
    return systemFingerprint;
  }

  public MockProviderOptions systemFingerprint(String systemFingerprint) {
    this.systemFingerprint = systemFingerprint;
    return this;
  }

  /** Seed of the random source behind {@code fail-rate} and random delays. */
  public long randomSeed() {
    return randomSeed;
  }

  public MockProviderOptions randomSeed(long randomSeed) {
    this.randomSeed = randomSeed;
    return this;
  }

  /** How many recent requests are kept for {@link MockProvider#requests()}; default 200. */
  public int requestLogCapacity() {
    return requestLogCapacity;
  }

  public MockProviderOptions requestLogCapacity(int requestLogCapacity) {
    this.requestLogCapacity = Math.max(0, requestLogCapacity);
    return this;
  }

  /** Interval between stream events when neither a fault nor a header sets one; default 0. */
  public long defaultChunkIntervalMs() {
    return defaultChunkIntervalMs;
  }

  public MockProviderOptions defaultChunkIntervalMs(long defaultChunkIntervalMs) {
    this.defaultChunkIntervalMs = Math.max(0, defaultChunkIntervalMs);
    return this;
  }

  /**
   * Pause between sending the first bytes and resetting the connection in {@code
   * reset-after-headers}, so the client has read the headers before the RST discards its buffers.
   */
  public long resetGraceMs() {
    return resetGraceMs;
  }

  public MockProviderOptions resetGraceMs(long resetGraceMs) {
    this.resetGraceMs = Math.max(0, resetGraceMs);
    return this;
  }

  /**
   * Benchmark mode for every request: a fixed, pre-rendered completion, no request log (attempts
   * are still counted and faults still apply). Per request: header {@code x-mock-fast: true}.
   */
  public boolean fastPath() {
    return fastPath;
  }

  public MockProviderOptions fastPath(boolean fastPath) {
    this.fastPath = fastPath;
    return this;
  }

  /**
   * The header the mock reads the key from, as an API gateway in front of a model server does
   * (Azure API Management's {@code Ocp-Apim-Subscription-Key}, Kong's {@code apikey}); null (the
   * default) for the API's own ({@code Authorization: Bearer}, {@code api-key}, {@code x-api-key},
   * {@code x-goog-api-key}), which is then not read at all. Its value is redacted in the request
   * log.
   */
  public String keyHeader() {
    return keyHeader;
  }

  public MockProviderOptions keyHeader(String keyHeader) {
    this.keyHeader = keyHeader;
    return this;
  }

  MockProviderOptions copy() {
    MockProviderOptions c = new MockProviderOptions();
    c.personas.putAll(personas);
    c.host = host;
    c.port = port;
    c.keys.addAll(keys);
    c.models.addAll(models);
    c.modelAliases.putAll(modelAliases);
    c.embeddingDimensions = embeddingDimensions;
    c.systemFingerprint = systemFingerprint;
    c.randomSeed = randomSeed;
    c.requestLogCapacity = requestLogCapacity;
    c.defaultChunkIntervalMs = defaultChunkIntervalMs;
    c.resetGraceMs = resetGraceMs;
    c.fastPath = fastPath;
    c.keyHeader = keyHeader;
    return c;
  }
}
