package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The traps other gateways fell into, each caught by the guard; paraphrases pass. */
class LexicalGuardTest {

  private static boolean compatible(String query, String cached) {
    return LexicalGuard.compatible(LexicalGuard.profile(query), LexicalGuard.profile(cached));
  }

  @Test
  void oppositesNegationsNumbersNamesAndDirectionAreRefused() {
    assertThat(compatible("How do I enable 2FA?", "How do I disable 2FA?")).isFalse();
    assertThat(compatible("Why is my phone not charging?", "Why is my phone charging?")).isFalse();
    assertThat(compatible("Why won't it start?", "Why will it start?")).isFalse();
    assertThat(compatible("Is $500 enough?", "Is $5,000 enough?")).isFalse();
    assertThat(compatible("Is three enough?", "Is four enough?")).isFalse();
    assertThat(compatible("What is the capital of France?", "What is the capital of Spain?"))
        .isFalse();
    assertThat(compatible("Convert 100 USD to EUR", "Convert 100 EUR to USD")).isFalse();
    assertThat(compatible("convert celsius to fahrenheit", "convert fahrenheit to celsius"))
        .isFalse();
  }

  @Test
  void paraphrasesAndRepeatsPass() {
    assertThat(compatible("How do I reset my Gmail password?", "how do i reset my gmail password"))
        .isTrue();
    assertThat(
            compatible(
                "What are the steps to reset my Gmail password?",
                "How can I reset the password of my Gmail account?"))
        .isTrue();
    assertThat(compatible("Is $5,000 enough?", "Is 5000 dollars enough?")).isTrue();
  }
}
