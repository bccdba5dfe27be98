package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Allowed values of string fields, used only to emit {@code enum} in the generated schema. The
 * fields themselves stay {@code String} so that a newer value written by a newer client still
 * deserializes in an older operator; the API server enforces the set.
 */
final class SchemaEnums {

  private SchemaEnums() {}

  enum Provider {
    @JsonProperty("openai")
    OPENAI,
    @JsonProperty("azure-openai")
    AZURE_OPENAI,
    @JsonProperty("anthropic")
    ANTHROPIC,
    @JsonProperty("gemini")
    GEMINI,
    @JsonProperty("mistral")
    MISTRAL,
    @JsonProperty("deepseek")
    DEEPSEEK,
    @JsonProperty("qwen")
    QWEN,
    @JsonProperty("openai-compatible")
    OPENAI_COMPATIBLE
  }

  enum ModelPhase {
    Active,
    Deprecated,
    Retired
  }

  enum Strategy {
    @JsonProperty("priority")
    PRIORITY,
    @JsonProperty("weighted")
    WEIGHTED,
    @JsonProperty("least-latency")
    LEAST_LATENCY,
    @JsonProperty("least-cost")
    LEAST_COST,
    @JsonProperty("cost-latency")
    COST_LATENCY
  }

  enum Jitter {
    @JsonProperty("none")
    NONE,
    @JsonProperty("full")
    FULL,
    @JsonProperty("equal")
    EQUAL
  }

  enum BuiltinEmbedder {
    @JsonProperty("all-minilm-l6-v2")
    ALL_MINILM_L6_V2
  }

  enum BodyLogging {
    @JsonProperty("none")
    NONE,
    @JsonProperty("metadata")
    METADATA,
    @JsonProperty("full")
    FULL
  }

  enum MetricsSource {
    @JsonProperty("gateway")
    GATEWAY,
    @JsonProperty("prometheus")
    PROMETHEUS
  }

  enum CanaryMode {
    @JsonProperty("split")
    SPLIT,
    @JsonProperty("shadow")
    SHADOW
  }

  enum RoutePhase {
    Stable,
    Progressing,
    Paused,
    RolledBack,
    Failed
  }
}
