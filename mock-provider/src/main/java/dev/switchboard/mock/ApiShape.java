package dev.switchboard.mock;

/** Which URL and auth shape a request used; errors are answered in that provider's shape. */
enum ApiShape {
  /** {@code /v1/...} with {@code Authorization: Bearer}. */
  OPENAI,
  /** {@code /openai/deployments/{deployment}/...?api-version=} with {@code api-key}. */
  AZURE,
  /**
   * Azure OpenAI's v1 GA surface ({@code /openai/v1/...}, where the Responses API lives): {@code
   * api-key}, the deployment named in the body's {@code model}, no {@code api-version}.
   */
  AZURE_V1,
  /** {@code /v1beta/models/{model}:method} with {@code x-goog-api-key} (Gemini). */
  GEMINI,
  /** Anthropic Messages: {@code /v1/messages} with {@code x-api-key} and Anthropic's errors. */
  ANTHROPIC
}
