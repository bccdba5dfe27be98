package dev.switchboard.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.responses.StoredResponseQuery.Checked;
import dev.switchboard.gateway.responses.StoredResponseQuery.Endpoint;
import org.junit.jupiter.api.Test;

/** What a client's query becomes on its way to the provider holding a stored response. */
class StoredResponseQueryTest {

  @Test
  void documentedParametersAreReEncodedFromTheirValues() {
    Checked checked =
        StoredResponseQuery.check(
            Endpoint.INPUT_ITEMS, "after=msg%201+2&include%5B%5D=a&include%5B%5D=b&limit=5");

    assertThat(checked.accepted()).isTrue();
    assertThat(checked.query()).isEqualTo("after=msg+1+2&include%5B%5D=a&include%5B%5D=b&limit=5");
  }

  @Test
  void anUndocumentedParameterIsRefusedByName() {
    assertThat(StoredResponseQuery.check(Endpoint.RETRIEVE, "stream=true&limit=5").refused())
        .isEqualTo("limit");
    assertThat(StoredResponseQuery.check(Endpoint.DELETE, "include=x").refused())
        .isEqualTo("include");
    assertThat(StoredResponseQuery.check(Endpoint.CANCEL, "api_key").refused())
        .isEqualTo("api_key");
  }

  @Test
  void aBadPercentEscapeIsMalformedNotPassedOn() {
    Checked checked = StoredResponseQuery.check(Endpoint.RETRIEVE, "include=%zz");

    assertThat(checked.accepted()).isFalse();
    assertThat(checked.malformed()).isTrue();
  }

  @Test
  void noQueryIsAnEmptyOne() {
    assertThat(StoredResponseQuery.check(Endpoint.DELETE, null).query()).isEmpty();
    assertThat(StoredResponseQuery.check(Endpoint.CANCEL, "").query()).isEmpty();
  }
}
