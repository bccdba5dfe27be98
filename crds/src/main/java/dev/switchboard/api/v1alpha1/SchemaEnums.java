package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Allowed values of string fields that only the CRDs know, used only to emit {@code enum} in the
 * generated schema. Sets the routing table or the gateway share (provider, strategy, canary mode,
 * body logging) come from their enum in the routing contract instead, the one source of each. The
 * fields themselves stay {@code String} so that a newer value written by a newer client still
 * deserializes in an older operator; the API server enforces the set.
 */
final class SchemaEnums {

  private SchemaEnums() {}

  enum ModelPhase {
    Active,
    Deprecated,
    Retired
  }

  enum OnRetired {
    @JsonProperty("successor")
    SUCCESSOR,
    @JsonProperty("reject")
    REJECT
  }

  enum EvaluationPhase {
    Running,
    Completed
  }

  enum Jitter {
    @JsonProperty("none")
    NONE,
    @JsonProperty("full")
    FULL,
    @JsonProperty("equal")
    EQUAL
  }

  enum CacheMessages {
    @JsonProperty("last-user")
    LAST_USER,
    @JsonProperty("conversation")
    CONVERSATION
  }

  enum BuiltinEmbedder {
    @JsonProperty("all-minilm-l6-v2")
    ALL_MINILM_L6_V2
  }

  enum MetricsSource {
    @JsonProperty("gateway")
    GATEWAY,
    @JsonProperty("prometheus")
    PROMETHEUS
  }

  enum RoutePhase {
    Stable,
    Progressing,
    Paused,
    RolledBack,
    Failed
  }
}
