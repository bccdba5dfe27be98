package dev.switchboard.operator.status;

/**
 * Every reason the operator puts on a condition or an event about what it found in a resource, with
 * its CamelCase wire name. One list, so a reason is spelled once and the troubleshooting table in
 * the README can be checked against it.
 */
public enum Reason {
  // Spec problems, any kind.
  INVALID_SPEC("InvalidSpec"),
  INVALID_DURATION("InvalidDuration"),
  // ProviderEndpoint.
  UNKNOWN_PROVIDER("UnknownProvider"),
  INVALID_BASE_URL("InvalidBaseUrl"),
  BASE_URL_REQUIRED("BaseUrlRequired"),
  UPSTREAM_ADDRESS_NOT_ALLOWED("UpstreamAddressNotAllowed"),
  CREDENTIAL_IN_HEADERS("CredentialInHeaders"),
  DUPLICATE_MODEL("DuplicateModel"),
  SECRET_NOT_FOUND("SecretNotFound"),
  SECRET_KEY_NOT_FOUND("SecretKeyNotFound"),
  SECRET_KEY_EMPTY("SecretKeyEmpty"),
  INVALID_KEY("InvalidKey"),
  // A ProviderEndpoint or RoutingPolicy marked for deletion that others' finalizers still hold.
  TERMINATING("Terminating"),
  // RoutingPolicy.
  UNKNOWN_STRATEGY("UnknownStrategy"),
  INVALID_SCHEDULE("InvalidSchedule"),
  INVALID_RATE_LIMIT_KEY("InvalidRateLimitKey"),
  // ModelRoute spec and references.
  NO_TARGETS("NoTargets"),
  DUPLICATE_TARGET("DuplicateTarget"),
  MODEL_NAME_CONFLICT("ModelNameConflict"),
  POLICY_NOT_FOUND("PolicyNotFound"),
  POLICY_NOT_READY("PolicyNotReady"),
  PROVIDER_NOT_FOUND("ProviderNotFound"),
  PROVIDER_NOT_READY("ProviderNotReady"),
  MODEL_NOT_SERVED("ModelNotServed"),
  // A RoutingPolicy's semantic cache embedding with a provider that has no embeddings API.
  EMBEDDINGS_NOT_SERVED("EmbeddingsNotServed"),
  ROUTING_TABLE_REJECTED("RoutingTableRejected"),
  ROUTING_TABLE_TOO_LARGE("RoutingTableTooLarge"),
  // The EvaluationReportBlocked condition of a ModelRoute: its report ConfigMap is not the
  // operator's.
  REPORT_CONFIG_MAP_NOT_OWNED("ReportConfigMapNotOwned"),
  // The EvaluationReady condition of a ModelRoute: every declared candidate renders.
  CANDIDATES_RESOLVED("CandidatesResolved"),
  // The EvaluationWriteFailed condition of a ModelRoute: its runbook entry or its evaluation's
  // state could not be written (tried again at the next collection).
  EVALUATION_REPORT_WRITE_FAILED("EvaluationReportWriteFailed"),
  EVALUATION_STATE_WRITE_FAILED("EvaluationStateWriteFailed"),
  // The EvaluationStateRecovered condition: the evaluation's stored state was corrupt, rebuilt.
  EVALUATION_STATE_CORRUPT("EvaluationStateCorrupt"),
  // The EvaluationEndedEarly condition: an evaluation was ended because its baseline no longer
  // served the route (the first target changed; the retiring model left an automatic one's route).
  BASELINE_CHANGED("BaselineChanged"),
  BASELINE_REMOVED("BaselineRemoved"),
  // ... or because a new spec.evaluation (candidates, sample or duration) replaced it.
  SPEC_CHANGED("SpecChanged"),
  // ... or because spec.evaluation was removed while it ran (an event and its final runbook entry:
  // the route then has no evaluation for the condition to describe).
  SPEC_REMOVED("SpecRemoved"),
  // ... or because a spec.evaluation was declared while the policy's automatic one ran.
  SPEC_DECLARED("SpecDeclared"),
  // ... or because its route was deleted (an event and its final runbook entry).
  ROUTE_DELETED("RouteDeleted"),
  // The FloatingModelVersion condition of a ModelRoute.
  FLOATING_MODEL_ALIAS("FloatingModelAlias"),
  MODEL_VERSIONS_PINNED("ModelVersionsPinned"),
  // What is fine.
  ENDPOINT_READY("EndpointReady"),
  SECRET_KEY_FOUND("SecretKeyFound"),
  NO_CREDENTIALS_NEEDED("NoCredentialsNeeded"),
  POLICY_VALID("PolicyValid"),
  ROUTE_SERVING("RouteServing"),
  REFERENCES_RESOLVED("ReferencesResolved"),
  // The Enforced condition: whether the gateway acts on every field the resource sets.
  ALL_FIELDS_ENFORCED("AllFieldsEnforced"),
  FIELD_NOT_ENFORCED("FieldNotEnforced"),
  // The Healthy condition of a ProviderEndpoint, from the gateway replicas.
  GATEWAYS_REPORT_HEALTHY("GatewaysReportHealthy"),
  CREDENTIALS_REJECTED("CredentialsRejected"),
  HEALTH_CHECKS_FAILING("HealthChecksFailing"),
  CIRCUIT_OPEN("CircuitOpen"),
  CIRCUIT_HALF_OPEN("CircuitHalfOpen"),
  // Canary rollout events.
  CANARY_STARTED("CanaryStarted"),
  CANARY_STEP_ADVANCED("CanaryStepAdvanced"),
  CANARY_PROMOTED("CanaryPromoted"),
  CANARY_CANCELLED("CanaryCancelled"),
  CANARY_ROLLED_BACK("CanaryRolledBack"),
  CANARY_ABORTED("CanaryAborted"),
  CANARY_METRICS_UNAVAILABLE("CanaryMetricsUnavailable"),
  // The route's spec stopped resolving while its canary ran: rolled back to stable.
  CANARY_CONFIGURATION_INVALID("CanaryConfigurationInvalid"),
  // The CanaryHealthy condition (besides Analysis + the last verdict while it progresses).
  AWAITING_ANALYSIS("AwaitingAnalysis"),
  METRICS_UNAVAILABLE("MetricsUnavailable"),
  ANALYSIS_FAILED("AnalysisFailed"),
  ABORTED("Aborted"),
  CONFIGURATION_INVALID("ConfigurationInvalid"),
  // A rollback found published (the table no longer carries the canary) but never recorded in
  // status: why it was rolled back was lost with the status write.
  ROLLBACK_NOT_RECORDED("RollbackNotRecorded"),
  // A split canary on a deterministic route that pins its target: the split is off, no traffic.
  SPLIT_DISABLED_BY_PIN_TARGET("SplitDisabledByPinTarget"),
  // Consumers and key rotation (issue 17).
  KEYS_PUBLISHED("KeysPublished"),
  CONSUMER_TABLE_TOO_LARGE("ConsumerTableTooLarge"),
  KEY_SHARED_WITH_OTHER_CONSUMER("KeySharedWithOtherConsumer"),
  KEY_OLDER_THAN_MAX_AGE("KeyOlderThanMaxAge"),
  KEYS_WITHIN_MAX_AGE("KeysWithinMaxAge"),
  DAILY_BUDGET_SPENT("DailyBudgetSpent"),
  MONTHLY_BUDGET_SPENT("MonthlyBudgetSpent"),
  WITHIN_BUDGET("WithinBudget"),
  SPEND_UNKNOWN("SpendUnknown"),
  NO_BUDGET("NoBudget"),
  // The CommitmentExhausted condition of a ProviderEndpoint (issue 22).
  COMMITMENT_USED_UP("CommitmentUsedUp"),
  COMMITMENTS_HAVE_ROOM("CommitmentsHaveRoom");

  private final String wireName;

  Reason(String wireName) {
    this.wireName = wireName;
  }

  /** The CamelCase name conditions and events carry. */
  public String wireName() {
    return wireName;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
