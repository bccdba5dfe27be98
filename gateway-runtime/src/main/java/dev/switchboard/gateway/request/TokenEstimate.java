package dev.switchboard.gateway.request;

/**
 * The gateway's one estimate of a token count where it has no tokenizer: four characters per token,
 * OpenAI's rule of thumb for English text. Used to check a prompt against a context window ({@code
 * RequestNeeds}), to account an answer that came without usage ({@link #usage}: {@code
 * ConsumerStage}, {@code AccountStage}) and to bound what a provider embedder is sent ({@code
 * EmbeddingInputLimit}). Not a tokenizer: digits and code run closer to two characters per token,
 * Chinese, Japanese and Korean about one per character.
 */
public final class TokenEstimate {

  /** Characters per token of the estimate. */
  public static final int CHARS_PER_TOKEN = 4;

  private TokenEstimate() {}

  /** Tokens in {@code chars} characters, rounded down. */
  public static long of(long chars) {
    return chars / CHARS_PER_TOKEN;
  }

  /** Tokens in {@code chars} characters, rounded up (a started token counts). */
  public static long roundedUp(long chars) {
    return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }

  /**
   * What an answer the provider reported no usage for probably used: the prompt estimated from the
   * request body ({@code requestBytes} / {@value #CHARS_PER_TOKEN} + 1, envelope included, so
   * rather over than under) and the output from the answer text ({@code answerChars} / {@value
   * #CHARS_PER_TOKEN}, rounded up: what a stream relayed, or a whole answer's text).
   */
  public static TokenUsage usage(long requestBytes, long answerChars) {
    return new TokenUsage(of(Math.max(0, requestBytes)) + 1, roundedUp(answerChars), 0);
  }

  /**
   * Whether {@code text} is at most {@code maxTokens} tokens, estimated conservatively for other
   * scripts: the ASCII characters {@linkplain #roundedUp rounded up}, every other character a whole
   * token. Free for a text of at most {@code maxTokens} characters (the estimate never exceeds the
   * length) and for one over {@code 4 × maxTokens} (the estimate is at least a quarter of it); in
   * between one pass over at most {@code 4 × maxTokens} characters.
   */
  public static boolean atMost(CharSequence text, int maxTokens) {
    int length = text.length();
    if (length <= maxTokens) {
      return true;
    }
    if (length > (long) maxTokens * CHARS_PER_TOKEN) {
      return false;
    }
    int ascii = 0;
    for (int i = 0; i < length; i++) {
      if (text.charAt(i) < 0x80) {
        ascii++;
      }
    }
    return roundedUp(ascii) + (long) (length - ascii) <= maxTokens;
  }
}
