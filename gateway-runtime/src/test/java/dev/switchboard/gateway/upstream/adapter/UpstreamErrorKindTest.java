package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which provider errors are the target's failure and which the client's, read from the bodies the
 * providers really send: a model the gateway chose that is not there (OpenAI {@code
 * model_not_found}, Azure {@code DeploymentNotFound}, Anthropic {@code not_found_error} {@code
 * "model: …"}, Google {@code NOT_FOUND} for {@code models/…}) or an account without credit fails
 * over; a 404 for something the client named stays the client's.
 */
class UpstreamErrorKindTest {

  private final OpenAiAdapter openAi = new OpenAiAdapter();
  private final AzureOpenAiAdapter azure = new AzureOpenAiAdapter();
  private final AnthropicAdapter anthropic = new AnthropicAdapter();

  private static Buffer body(String json) {
    return Buffer.buffer(json);
  }

  @Test
  void openAiModelNotFoundIsTheTargetsFailure() {
    Buffer retired =
        body(
            "{\"error\":{\"message\":\"The model `gpt-4-0314` does not exist or you do not have"
                + " access to it.\",\"type\":\"invalid_request_error\",\"param\":null,"
                + "\"code\":\"model_not_found\"}}");

    assertThat(openAi.failureKind(404, retired, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
  }

  @Test
  void azureDeploymentNotFoundIsTheTargetsFailure() {
    Buffer deleted =
        body(
            "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for this"
                + " resource does not exist. If you created the deployment within the last 5"
                + " minutes, please wait a moment and try again.\"}}");

    assertThat(azure.failureKind(404, deleted, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
  }

  @Test
  void googleOpenAiCompatibleModelNotFoundIsTheTargetsFailure() {
    Buffer retired =
        body(
            "[{\"error\":{\"code\":404,\"message\":\"models/gemini-1.0-pro is not found for API"
                + " version v1main, or is not supported for generateContent.\","
                + "\"status\":\"NOT_FOUND\"}}]");

    assertThat(openAi.failureKind(404, retired, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
  }

  @Test
  void googlesFailedPreconditionIsTheAccountsFailureOnBothOfItsEndpoints() {
    String error =
        "{\"error\":{\"code\":400,\"message\":\"User location is not supported for the API"
            + " use.\",\"status\":\"FAILED_PRECONDITION\"}}";
    GeminiAdapter gemini = new GeminiAdapter();

    assertThat(gemini.failureKind(400, body(error), FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(gemini.failureScope(400, body(error), FailureKind.TARGET_UNUSABLE))
        .isEqualTo(FailureScope.ACCOUNT);
    assertThat(openAi.failureKind(400, body("[" + error + "]"), FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    // A request Gemini refuses stays the client's.
    assertThat(
            gemini.failureKind(
                400,
                body(
                    "{\"error\":{\"code\":400,\"message\":\"Invalid JSON payload\","
                        + "\"status\":\"INVALID_ARGUMENT\"}}"),
                FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
  }

  @Test
  void aNotFoundForAnIdTheClientNamedStaysTheClients() {
    Buffer unknownId =
        body(
            "{\"error\":{\"message\":\"Response with id 'resp_abc' not found.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");

    assertThat(openAi.failureKind(404, unknownId, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
    assertThat(openAi.failureKind(404, body("not json"), FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
    assertThat(
            anthropic.failureKind(
                404,
                body(
                    "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
                        + "\"message\":\"File not found: file_011\"}}"),
                FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
  }

  @Test
  void anthropicModelNotFoundAndBillingErrorAreTheTargetsFailure() {
    Buffer retired =
        body(
            "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
                + "\"message\":\"model: claude-2.0\"}}");
    Buffer billing =
        body(
            "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"Your credit"
                + " balance is too low to access the Anthropic API.\"}}");

    assertThat(anthropic.failureKind(404, retired, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(anthropic.failureKind(400, billing, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
  }

  @Test
  void openAiInsufficientQuotaIsTheTargetsFailureNotARateLimit() {
    Buffer noCredit =
        body(
            "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan"
                + " and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,"
                + "\"code\":\"insufficient_quota\"}}");
    Buffer limited =
        body(
            "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini on requests per min"
                + " (RPM): Limit 3, Used 3, Requested 1.\",\"type\":\"requests\",\"param\":null,"
                + "\"code\":\"rate_limit_exceeded\"}}");

    assertThat(openAi.failureKind(429, noCredit, FailureKind.RATE_LIMITED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(azure.failureKind(429, noCredit, FailureKind.RATE_LIMITED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(openAi.failureKind(429, limited, FailureKind.RATE_LIMITED))
        .isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(openAi.failureKind(429, body(""), FailureKind.RATE_LIMITED))
        .isEqualTo(FailureKind.RATE_LIMITED);
  }

  @Test
  void genuineClientErrorsStayTheClients() {
    Buffer invalid =
        body(
            "{\"error\":{\"message\":\"'messages' must contain at least one message.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":null}}");
    Buffer anthropicInvalid =
        body(
            "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"max_tokens: Field required\"}}");

    assertThat(openAi.failureKind(400, invalid, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
    assertThat(openAi.failureKind(422, invalid, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
    assertThat(anthropic.failureKind(400, anthropicInvalid, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
  }

  @Test
  void anthropicsCreditBalanceTooLowIsTheAccountsFailureNotTheClients() {
    Buffer noCredit =
        body(
            "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"Your credit balance is too low to access the Anthropic API."
                + " Please go to Plans & Billing to upgrade or purchase credits.\"}}");
    Buffer mentionsCredit =
        body(
            "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"messages.0: Your credit balance is too low to access the"
                + " Anthropic API.\"}}");

    assertThat(anthropic.failureKind(400, noCredit, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(anthropic.failureScope(400, noCredit, FailureKind.TARGET_UNUSABLE))
        .isEqualTo(FailureScope.ACCOUNT);
    // Matched by Anthropic's sentence only: anything else in a 400 stays the client's.
    assertThat(anthropic.failureKind(400, mentionsCredit, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
  }

  @Test
  void accountFailuresReachTheProviderAndMissingModelsTheirTarget() {
    Buffer noCredit =
        body(
            "{\"error\":{\"message\":\"You exceeded your current quota.\","
                + "\"type\":\"insufficient_quota\",\"param\":null,"
                + "\"code\":\"insufficient_quota\"}}");
    Buffer retired =
        body(
            "{\"error\":{\"message\":\"The model `gpt-4-0314` does not exist.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,"
                + "\"code\":\"model_not_found\"}}");

    assertThat(openAi.failureScope(429, noCredit, FailureKind.TARGET_UNUSABLE))
        .isEqualTo(FailureScope.ACCOUNT);
    assertThat(anthropic.failureScope(402, body("{}"), FailureKind.TARGET_UNUSABLE))
        .isEqualTo(FailureScope.ACCOUNT);
    assertThat(openAi.failureScope(404, retired, FailureKind.TARGET_UNUSABLE))
        .isEqualTo(FailureScope.MODEL);
    assertThat(openAi.failureScope(500, body(""), FailureKind.SERVER_ERROR))
        .isEqualTo(FailureScope.ATTEMPT);
  }

  @Test
  void azuresResourceNotFoundIsTheTargetsEndpointNotTheClients() {
    Buffer noSuchPath = body("{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");
    Buffer unknownId =
        body(
            "{\"error\":{\"message\":\"Response with id 'resp_abc' not found.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");

    assertThat(azure.failureKind(404, noSuchPath, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(azure.failureScope(404, noSuchPath, FailureKind.TARGET_UNUSABLE))
        .isEqualTo(FailureScope.ENDPOINT);
    assertThat(azure.failureKind(404, unknownId, FailureKind.REQUEST_REJECTED))
        .isEqualTo(FailureKind.REQUEST_REJECTED);
  }

  @Test
  void googlesPerDayQuotaHoldsTheTargetAPerMinuteOneDoesNot() {
    GeminiAdapter gemini = new GeminiAdapter();
    String perDay =
        "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota.\","
            + "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
            + "\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":["
            + "{\"quotaMetric\":\"generativelanguage.googleapis.com/"
            + "generate_content_free_tier_requests\",\"quotaId\":"
            + "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]},"
            + "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"43s\"}]}}";
    String perMinute = perDay.replace("PerDay", "PerMinute");

    assertThat(gemini.failureScope(429, body(perDay), FailureKind.RATE_LIMITED))
        .isEqualTo(FailureScope.DAILY_QUOTA);
    assertThat(gemini.failureScope(429, body(perMinute), FailureKind.RATE_LIMITED))
        .isEqualTo(FailureScope.ATTEMPT);
    // Google's OpenAI-compatible endpoint wraps the same error in an array.
    assertThat(openAi.failureScope(429, body("[" + perDay + "]"), FailureKind.RATE_LIMITED))
        .isEqualTo(FailureScope.DAILY_QUOTA);
    assertThat(gemini.retryDelayMs(429, body(perDay))).isEqualTo(43_000L);
    // The same error as a stream's first event.
    PlannedTarget target =
        new PlannedTarget(
            TestTables.target("gem", "gemini-2.0-flash", 0),
            TestTables.provider(
                "gem",
                "gemini",
                "https://generativelanguage.googleapis.com/v1beta",
                true,
                Map.of(),
                null),
            PlannedTarget.STABLE);
    UpstreamFailure event = gemini.firstEventProblem(target, perDay, gemini.parseEvent(perDay));
    assertThat(event.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(event.scope()).isEqualTo(FailureScope.DAILY_QUOTA);
    assertThat(gemini.firstEventProblem(target, perMinute, gemini.parseEvent(perMinute)).scope())
        .isEqualTo(FailureScope.ATTEMPT);
  }
}
