package dev.switchboard.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyScrubberTest {

  private static final String KEY = "sk-proj-Zx9QrT7mWv2LpK8sNb4YhGc6JdF1eAu3";
  private static final KeyScrubber SCRUBBER = KeyScrubber.forKey(KEY);

  @Test
  void removesTheKeyAndItsBearerFormFromTextAndBytes() {
    String body = "{\"error\":{\"message\":\"Incorrect API key provided: Bearer " + KEY + ".\"}}";

    String expected =
        "{\"error\":{\"message\":\"Incorrect API key provided: Bearer [REDACTED].\"}}";
    assertThat(SCRUBBER.scrub(body)).isEqualTo(expected);
    assertThat(
            new String(
                SCRUBBER.scrub(body.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
        .isEqualTo(expected);
  }

  @Test
  void removesAPrefixLongEnoughToIdentifyTheKey() {
    // Providers mask the middle of a key but may show its start: the start is the secret part.
    String masked = "Incorrect API key provided: " + KEY.substring(0, 18) + "*****eAu3";

    String scrubbed = SCRUBBER.scrub(masked);

    assertThat(scrubbed)
        .isEqualTo("Incorrect API key provided: [REDACTED]" + KEY.substring(16, 18) + "*****eAu3");
    assertThat(scrubbed).doesNotContain(KEY.substring(0, 16));
  }

  @Test
  void thePrefixIsLongerThanThePublicPartKeysShare() {
    assertThat(KeyScrubber.prefixLength("sk-proj-abcdefghijklmnopqrstuvwxyz")).isEqualTo(16);
    assertThat(KeyScrubber.prefixLength("sk-ant-api03-abcdefghijklmnopqrstuvwxyz")).isEqualTo(21);
    assertThat(KeyScrubber.prefixLength("sk-abcdefghijklmnopqrstuvwxyz")).isEqualTo(12);
    assertThat(KeyScrubber.prefixLength("0123456789abcdef0123456789abcdef")).isEqualTo(12);
    // The public part alone is not scrubbed: "sk-proj-" occurs in documentation and answers.
    assertThat(SCRUBBER.scrub("keys look like sk-proj-…")).isEqualTo("keys look like sk-proj-…");
  }

  @Test
  void removesTheJsonEscapedFormAndKeepsTheJsonValid() throws Exception {
    String key = "abc/def\\ghi\"jkl-0123456789";
    KeyScrubber scrubber = KeyScrubber.forKey(key);
    ObjectMapper json = new ObjectMapper();
    String body = json.writeValueAsString(java.util.Map.of("message", "you sent " + key));
    String slashEscaped = body.replace("/", "\\/");

    for (String text : new String[] {body, slashEscaped}) {
      String scrubbed = scrubber.scrub(text);
      assertThat(json.readTree(scrubbed).path("message").asText()).isEqualTo("you sent [REDACTED]");
    }
  }

  @Test
  void everyOccurrenceGoesAndTheRestStays() {
    String text = KEY + " and " + KEY + "x, then " + KEY.substring(0, 16);

    assertThat(SCRUBBER.scrub(text)).isEqualTo("[REDACTED] and [REDACTED]x, then [REDACTED]");
  }

  @Test
  void cleanInputIsReturnedAsItIsWithoutACopy() {
    String text = "{\"choices\":[{\"message\":{\"content\":\"sk- is how keys start; s k\"}}]}";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);

    assertThat(SCRUBBER.scrub(text)).isSameAs(text);
    assertThat(SCRUBBER.scrub(bytes)).isSameAs(bytes);
  }

  @Test
  void placeholderKeysAndNoKeyScrubNothing() {
    assertThat(KeyScrubber.forKey(null)).isSameAs(KeyScrubber.NONE);
    assertThat(KeyScrubber.forKey("ollama")).isSameAs(KeyScrubber.NONE);
    assertThat(KeyScrubber.NONE.scrub("ollama answered")).isEqualTo("ollama answered");
    assertThat(KeyScrubber.NONE.active()).isFalse();
    assertThat(SCRUBBER.active()).isTrue();
  }

  @Test
  void aKeyAtTheVeryEndOrStartOfTheInputIsFound() {
    assertThat(SCRUBBER.scrub(KEY)).isEqualTo("[REDACTED]");
    byte[] cut = KEY.substring(0, 20).getBytes(StandardCharsets.UTF_8);
    assertThat(new String(SCRUBBER.scrub(cut), StandardCharsets.UTF_8))
        .isEqualTo("[REDACTED]" + KEY.substring(16, 20));
  }

  @Test
  void findsTheKeyAtEveryOffsetAmongNearMisses() {
    // Near misses share the key's start (and its rare anchor byte) but not the whole prefix.
    String decoy = "sk-proj-Zx9 Zx9Q 9 sk-proj-Zx9QrT7 ";
    for (int offset = 0; offset < 24; offset++) {
      String text = "x".repeat(offset) + decoy + KEY + decoy;
      String expected = "x".repeat(offset) + decoy + "[REDACTED]" + decoy;

      assertThat(
              new String(
                  SCRUBBER.scrub(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
          .as("offset %d", offset)
          .isEqualTo(expected);
      assertThat(SCRUBBER.scrub(text)).as("offset %d", offset).isEqualTo(expected);
      byte[] clean = (offset + decoy + decoy).getBytes(StandardCharsets.UTF_8);
      assertThat(SCRUBBER.scrub(clean)).isSameAs(clean);
    }
  }

  @Test
  void neverShowsTheKeyInItsOwnDescription() {
    assertThat(SCRUBBER.toString()).doesNotContain(KEY.substring(0, 10));
  }
}
