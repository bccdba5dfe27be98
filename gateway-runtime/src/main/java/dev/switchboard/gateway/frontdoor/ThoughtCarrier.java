package dev.switchboard.gateway.frontdoor;

import dev.switchboard.gateway.upstream.adapter.ThoughtSignedChat;

/**
 * How the Messages and Responses doors carry a Gemini thought signature to a client whose API has
 * no place for it, and recognise it when the client hands it back: the {@code signature} of a
 * {@code thinking} block (Messages) or the {@code encrypted_content} of a {@code reasoning} item
 * (Responses), holding {@link #PREFIX} and then Google's signature. The prefix is what tells the
 * gateway's carriers from genuine Anthropic signatures and OpenAI encrypted reasoning (base64,
 * which never holds a colon): a carrier goes to Gemini as the call's {@code thoughtSignature} and
 * never to another provider, a genuine one travels to its own provider untouched.
 */
final class ThoughtCarrier {

  /** What every carrier the gateway writes starts with. */
  static final String PREFIX = ThoughtSignedChat.CARRIER_PREFIX;

  private ThoughtCarrier() {}

  /** The carrier of Google's {@code signature}. */
  static String carry(String signature) {
    return PREFIX + signature;
  }

  /** The Google signature {@code value} carries; null when it is not one of the gateway's. */
  static String signature(String value) {
    return value != null && value.startsWith(PREFIX) && value.length() > PREFIX.length()
        ? value.substring(PREFIX.length())
        : null;
  }

  /** Whether {@code value} is one of the gateway's carriers. */
  static boolean isCarrier(String value) {
    return value != null && value.startsWith(PREFIX);
  }
}
