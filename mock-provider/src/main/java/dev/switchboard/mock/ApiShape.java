package dev.switchboard.mock;

/**
 * Which URL and auth shape a request used; errors are answered in that provider's shape. Each shape
 * says where the request names its model, so a new shape decides it once, here.
 */
enum ApiShape {
  /** {@code /v1/...} with {@code Authorization: Bearer}. */
  OPENAI(true),
  /** {@code /openai/deployments/{deployment}/...?api-version=} with {@code api-key}. */
  AZURE(false),
  /**
   * Azure OpenAI's v1 GA surface ({@code /openai/v1/...}, where the Responses API lives): {@code
   * api-key}, the deployment named in the body's {@code model}, no {@code api-version}.
   */
  AZURE_V1(true),
  /** {@code /v1beta/models/{model}:method} with {@code x-goog-api-key} (Gemini). */
  GEMINI(false),
  /** Anthropic Messages: {@code /v1/messages} with {@code x-api-key} and Anthropic's errors. */
  ANTHROPIC(true),
  /**
   * Mistral's chat completions under {@code /mistral/v1/...} (Mistral's own host serves them under
   * {@code /v1}): Bearer auth, a field it does not know refused with a 422 {@code extra_forbidden},
   * the seed called {@code random_seed}, usage on a stream's last chunk unasked.
   */
  MISTRAL(true),
  /**
   * Google's OpenAI-compatible Gemini endpoint, chat completions under {@code /v1beta/openai/...}:
   * Bearer auth, Google's errors; a Gemini 3 model signs its tool calls in {@code
   * extra_content.google.thought_signature} and refuses a current-turn call replayed without it.
   */
  GOOGLE_OPENAI(true);

  private final boolean modelInBody;

  ApiShape(boolean modelInBody) {
    this.modelInBody = modelInBody;
  }

  /** Whether the body's {@code model} names the model (else the path does: deployment, Gemini). */
  boolean modelInBody() {
    return modelInBody;
  }
}
