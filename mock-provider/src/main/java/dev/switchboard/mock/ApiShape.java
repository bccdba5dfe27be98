package dev.switchboard.mock;

/** Which URL and auth shape a request used; errors are answered in that provider's shape. */
enum ApiShape {
  /** {@code /v1/...} with {@code Authorization: Bearer}. */
  OPENAI,
  /** {@code /openai/deployments/{deployment}/...?api-version=} with {@code api-key}. */
  AZURE,
  /** Anthropic Messages: {@code /v1/messages} with {@code x-api-key} and Anthropic's errors. */
  ANTHROPIC
}
