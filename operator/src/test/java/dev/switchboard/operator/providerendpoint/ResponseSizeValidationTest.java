package dev.switchboard.operator.providerendpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.operator.render.RoutingTableRenderer;
import dev.switchboard.operator.status.Problem;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code spec.maxResponseSize}: checked by the operator and rendered as bytes for the gateway. */
class ResponseSizeValidationTest {

  private final ProviderEndpointValidator validator =
      new ProviderEndpointValidator(new UpstreamAddressGuard(false, false));

  private static ProviderEndpoint endpoint(String size) {
    ProviderEndpointSpec spec = new ProviderEndpointSpec();
    spec.setProvider("openai");
    spec.setMaxResponseSize(size);
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("openai-prod").withNamespace("ns").build());
    pe.setSpec(spec);
    return pe;
  }

  @ParameterizedTest
  @CsvSource({"64Mi, 67108864", "512Ki, 524288", "1Gi, 1073741824", "1048576, 1048576"})
  void aValidSizeIsRenderedInBytes(String size, long bytes) {
    assertThat(validator.validate(endpoint(size))).isEmpty();
    assertThat(RoutingTableRenderer.provider(endpoint(size), true).maxResponseBytes())
        .isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"64", "1023", "64MB", "1.5Mi", "-1Ki", "Mi"})
  void aTinyOrMalformedSizeIsAnInvalidSpec(String size) {
    assertThat(validator.validate(endpoint(size)))
        .singleElement()
        .satisfies(
            (Problem p) -> {
              assertThat(p.reasonName()).isEqualTo("InvalidSpec");
              assertThat(p.message()).startsWith("spec.maxResponseSize");
            });
  }

  /**
   * Static headers the gateway could not send as they are (a line break or control character in the
   * value, a name that is no token) or that would change the request's framing are an invalid spec
   * naming the header, never quoting its value; before, they reached the gateway, which failed
   * every request to the endpoint.
   */
  @org.junit.jupiter.api.Test
  void headersTheGatewayCannotSendAreAnInvalidSpecNamingTheHeader() {
    ProviderEndpoint pe = endpoint(null);
    pe.getSpec()
        .setHeaders(
            new java.util.TreeMap<>(
                java.util.Map.of(
                    "X-Team",
                    "a\r\nX-Injected: yes",
                    "Transfer-Encoding",
                    "chunked",
                    "X-Ok",
                    "1")));
    assertThat(validator.validate(pe))
        .hasSize(2)
        .allSatisfy(
            (Problem p) -> {
              assertThat(p.reasonName()).isEqualTo("InvalidSpec");
              assertThat(p.message()).startsWith("spec.headers: ").doesNotContain("X-Injected");
            })
        .anySatisfy((Problem p) -> assertThat(p.message()).contains("'X-Team'"))
        .anySatisfy((Problem p) -> assertThat(p.message()).contains("'Transfer-Encoding'"));
  }

  @org.junit.jupiter.api.Test
  void withoutASizeTheGatewayDefaultApplies() {
    assertThat(validator.validate(endpoint(null))).isEmpty();
    assertThat(RoutingTableRenderer.provider(endpoint(null), true).maxResponseBytes()).isNull();
  }
}
