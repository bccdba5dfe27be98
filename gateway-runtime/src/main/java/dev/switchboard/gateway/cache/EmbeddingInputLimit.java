package dev.switchboard.gateway.cache;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.gateway.request.TokenEstimate;

/**
 * The longest text a provider embedder is given, so the semantic cache never looks up or stores the
 * vector of a truncated text: a provider that cuts a long input silently (the Gemini API has no
 * switch against it) gives two long texts with the same opening one vector, and the second asker
 * would get the first one's answer. A text over the bound is not embedded: the request is
 * exact-only (a miss, nothing indexed), as the builtin model does past 256 tokens.
 *
 * <p>The length is the gateway's {@link TokenEstimate} (four characters per token, as prompts are
 * estimated), made conservative for other scripts: every non-ASCII character counts as a whole
 * token (Chinese, Japanese, Korean run about one token per character). Where the provider
 * truncates, or its behaviour past the limit is not documented, the bound is half the model's
 * documented limit, a margin for texts (digits, code) that run closer to two characters per token
 * than four.
 */
public final class EmbeddingInputLimit {

  /**
   * OpenAI and Azure OpenAI embedding models read 8,192 tokens and refuse a longer input with a 400
   * (a miss, never a truncated vector): the bound only spares the call.
   */
  static final int OPENAI_TOKENS = 8192;

  /**
   * Half of Gemini's 2,048 (gemini-embedding-001, text-embedding-004): the Gemini API truncates
   * silently and, unlike Vertex AI's {@code autoTruncate: false}, cannot be asked not to.
   */
  static final int GEMINI_TOKENS = 1024;

  /**
   * Half of the 8,192 of mistral-embed and Qwen's text-embedding-v3/v4, whose behaviour past it is
   * not documented.
   */
  static final int MISTRAL_QWEN_TOKENS = 4096;

  /**
   * An OpenAI-compatible server and model the gateway does not know: Ollama's embeddings truncate
   * to the model's context (256 tokens for all-minilm), vLLM's refuse; half of the smallest common
   * context.
   */
  static final int UNKNOWN_TOKENS = 128;

  private EmbeddingInputLimit() {}

  /**
   * The bound, in estimated tokens, for a model whose input limit the policy states ({@code
   * embedder.maxInputTokens}, null: none): the limit itself where the kind refuses a longer input
   * (OpenAI, Azure OpenAI: an undercount is a refused call, a miss), half of it where the kind
   * truncates or the server is unknown ({@code openai-compatible}: Ollama and TEI with {@code
   * truncate} cut, vLLM refuses) — the margin the documented limits get, for texts the estimate
   * counts at half their tokens; a truncated embedding would serve one asker another's answer.
   * Without a stated limit, {@link #maxTokens(ProviderKind)}.
   */
  public static int maxTokens(ProviderKind kind, Integer stated) {
    if (stated == null) {
      return maxTokens(kind);
    }
    return switch (kind) {
      case OPENAI, AZURE_OPENAI -> stated;
      default -> Math.max(1, stated / 2);
    };
  }

  /** The bound, in estimated tokens, for embedding through a provider of {@code kind}. */
  public static int maxTokens(ProviderKind kind) {
    return switch (kind) {
      case OPENAI, AZURE_OPENAI -> OPENAI_TOKENS;
      case GEMINI -> GEMINI_TOKENS;
      case MISTRAL, QWEN -> MISTRAL_QWEN_TOKENS;
      case OPENAI_COMPATIBLE, ANTHROPIC, DEEPSEEK -> UNKNOWN_TOKENS;
    };
  }

  /**
   * Whether {@code text}'s estimate ({@link TokenEstimate#atMost}) is at most {@code maxTokens}.
   */
  public static boolean fits(CharSequence text, int maxTokens) {
    return TokenEstimate.atMost(text, maxTokens);
  }
}
