package dev.switchboard.gateway.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallerTest {

  /** {@code printf sk-alice | sha256sum}. */
  private static final String SHA256_OF_SK_ALICE =
      "099295a3784e1bd368dc348843a7398c1931b6b8ec2504c73e91ed2040bdc46c";

  private final List<String> asked = new ArrayList<>();

  private Caller caller(Map<String, String> headers) {
    return new Caller(
        name -> {
          asked.add(name);
          return headers.get(name);
        });
  }

  @Test
  void aBearerTokenAndAnApiKeyHeaderAreTheSameIdentity() {
    String bearer = caller(Map.of("authorization", "Bearer sk-alice")).apiKeyHash();
    String apiKey = caller(Map.of("api-key", "sk-alice")).apiKeyHash();

    assertThat(bearer).isEqualTo(SHA256_OF_SK_ALICE).isEqualTo(apiKey);
    assertThat(bearer).isNotEqualTo(caller(Map.of("api-key", "sk-bob")).apiKeyHash());
  }

  @Test
  void withoutAKeyTheCallerIsAnonymous() {
    assertThat(caller(Map.of()).apiKeyHash()).isEqualTo(Caller.ANONYMOUS);
    assertThat(caller(Map.of("authorization", "Bearer ")).apiKeyHash()).isEqualTo(Caller.ANONYMOUS);
    // HTTP trims the trailing space: "Bearer" alone is an empty token, not the key "Bearer".
    assertThat(caller(Map.of("authorization", "Bearer")).apiKeyHash()).isEqualTo(Caller.ANONYMOUS);
    assertThat(caller(Map.of("authorization", "bearer")).keyDigest()).isNull();
  }

  @Test
  void headersAreReadOnlyWhenAsked() {
    Caller c = caller(Map.of("authorization", "Bearer sk-alice"));
    assertThat(asked).isEmpty();
    c.apiKeyHash();
    c.apiKeyHash();
    assertThat(asked).containsExactly("authorization");
  }

  @Test
  void anotherSchemeOrABareValueInAuthorizationIsNoKey() {
    for (String auth :
        List.of("Basic c2stYWxpY2U6", "Token sk-alice", "sk-alice", "Bearer\tsk-alice")) {
      Caller c = caller(Map.of("authorization", auth));
      assertThat(c.keyDigest()).as(auth).isNull();
      assertThat(c.apiKeyHash()).as(auth).isEqualTo(Caller.ANONYMOUS);
      assertThat(c.presentsAnotherScheme()).as(auth).isTrue();
    }
    assertThat(caller(Map.of("authorization", "Bearer sk-alice")).presentsAnotherScheme())
        .isFalse();
    assertThat(caller(Map.of()).presentsAnotherScheme()).isFalse();
    assertThat(caller(Map.of("authorization", "Bearer")).presentsAnotherScheme()).isFalse();
  }

  @Test
  void besideAnotherSchemeTheKeyComesFromTheKeyHeaders() {
    Caller c = caller(Map.of("authorization", "Basic dXNlcjpwdw==", "api-key", "sk-alice"));
    assertThat(c.apiKeyHash()).isEqualTo(SHA256_OF_SK_ALICE);
    assertThat(c.presentsAnotherScheme()).isFalse();
    assertThat(c.presentsTwoKeys()).isFalse();
  }
}
