package dev.switchboard.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keys are trimmed at the ends and refused when anything but visible ASCII is inside. */
class ProviderKeysTest {

  @Test
  void aValueWithALineBreakOrControlCharacterInsideIsRefusedByName() {
    ProviderKeys keys =
        ProviderKeys.of(
            Map.of(
                "rotation", "sk-old-AAAAAAAA\nsk-new-BBBBBBBB",
                "crlf", "sk-AAAA\r\nsk-BBBB",
                "tab", "sk-AAAA\tBBBB",
                "space", "sk-AAAA BBBB",
                "unicode", "sk-AAAA\u00a0BBBB",
                "trailing", "  sk-good-CCCCCCCC\r\n",
                "blank", " \n"));

    assertThat(keys.providerNames()).containsExactly("trailing");
    assertThat(keys.keyFor("trailing")).hasValue("sk-good-CCCCCCCC");
    assertThat(keys.keyFor("rotation")).isEmpty();
    assertThat(keys.refusedNames()).containsExactly("crlf", "rotation", "space", "tab", "unicode");
    assertThat(keys.toString()).doesNotContain("sk-");
  }
}
