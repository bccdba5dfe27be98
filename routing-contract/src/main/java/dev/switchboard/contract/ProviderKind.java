package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Provider presets: the default base URL and how the API key is presented. */
public enum ProviderKind {
  OPENAI("openai", "https://api.openai.com/v1", AuthStyle.BEARER),
  AZURE_OPENAI("azure-openai", null, AuthStyle.API_KEY_HEADER),
  /** Anthropic's native Messages API (its OpenAI-compatible endpoint: openai-compatible). */
  ANTHROPIC("anthropic", "https://api.anthropic.com/v1", AuthStyle.X_API_KEY),
  // Native generateContent; the OpenAI-compatible endpoint (".../v1beta/openai") stays usable as
  // provider openai-compatible with that baseUrl.
  GEMINI("gemini", "https://generativelanguage.googleapis.com/v1beta", AuthStyle.GOOG_API_KEY),
  MISTRAL("mistral", "https://api.mistral.ai/v1", AuthStyle.BEARER),
  DEEPSEEK("deepseek", "https://api.deepseek.com/v1", AuthStyle.BEARER),
  QWEN("qwen", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", AuthStyle.BEARER),
  OPENAI_COMPATIBLE("openai-compatible", null, AuthStyle.BEARER);

  /** How the key travels upstream. */
  public enum AuthStyle {
    /** {@code Authorization: Bearer KEY}. */
    BEARER,
    /** {@code api-key: KEY} (Azure OpenAI). */
    API_KEY_HEADER,
    /** {@code x-api-key: KEY} (Anthropic). */
    X_API_KEY,
    /** {@code x-goog-api-key: KEY} (Gemini). */
    GOOG_API_KEY
  }

  /** The Azure OpenAI api-version used when a ProviderEndpoint names none. */
  public static final String DEFAULT_AZURE_API_VERSION = "2024-10-21";

  private final String wireName;
  private final String defaultBaseUrl;
  private final AuthStyle authStyle;

  ProviderKind(String wireName, String defaultBaseUrl, AuthStyle authStyle) {
    this.wireName = wireName;
    this.defaultBaseUrl = defaultBaseUrl;
    this.authStyle = authStyle;
  }

  /** The value of ProviderEndpoint {@code spec.provider} and the table's {@code kind}. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The provider's public API base URL, or empty where every account has its own. */
  public Optional<String> defaultBaseUrl() {
    return Optional.ofNullable(defaultBaseUrl);
  }

  public AuthStyle authStyle() {
    return authStyle;
  }

  /**
   * Whether the preset's API serves the OpenAI Responses API ({@code /responses}) itself, so the
   * gateway passes Responses requests through (OpenAI, Azure OpenAI). Every other preset only
   * speaks chat completions and is bridged (see docs/REQUEST-PIPELINE.md).
   */
  public boolean speaksResponses() {
    return this == OPENAI || this == AZURE_OPENAI;
  }

  /**
   * Whether the preset's API serves embeddings, so a semantic cache may embed with it ({@code
   * embedder.providerRef}): Anthropic and DeepSeek have no embeddings API; the others do (Gemini
   * through its own {@code batchEmbedContents}, which the gateway translates).
   */
  public boolean servesEmbeddings() {
    return this != ANTHROPIC && this != DEEPSEEK;
  }

  public static Optional<ProviderKind> fromWireName(String name) {
    // Looked up on every upstream call: a map, not a stream over values().
    return name == null ? Optional.empty() : Optional.ofNullable(BY_WIRE_NAME.get(name));
  }

  private static final Map<String, ProviderKind> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(k -> k.wireName, k -> k));
}
