package dev.switchboard.operator.providerendpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ApiKeyHeader;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.operator.render.RoutingTableRenderer;
import dev.switchboard.operator.status.Problem;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code spec.apiKeyHeader}: the key of an endpoint behind an API gateway (Azure API Management,
 * Kong, Apigee) sent under the gateway's header; checked by the operator, rendered into the table;
 * and a credential header in {@code spec.headers} refused with a pointer to it.
 */
class ApiKeyHeaderTest {

  private static final String SECRET_LOOKING = "sk-proj-0123456789abcdefghijklmnop";

  private final ProviderEndpointValidator validator =
      new ProviderEndpointValidator(new UpstreamAddressGuard(false, false));

  private static ProviderEndpoint apim(String header, String prefix) {
    ProviderEndpointSpec spec = new ProviderEndpointSpec();
    spec.setProvider("azure-openai");
    spec.setBaseUrl("https://contoso-apim.azure-api.net/openai-proxy");
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName("apim-subscription");
    ref.setKey("apiKey");
    spec.setApiKeySecretRef(ref);
    if (header != null) {
      ApiKeyHeader keyHeader = new ApiKeyHeader();
      keyHeader.setName(header);
      keyHeader.setPrefix(prefix);
      spec.setApiKeyHeader(keyHeader);
    }
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("azure-apim").withNamespace("ns").build());
    pe.setSpec(spec);
    return pe;
  }

  @Test
  void aKeyHeaderIsValidAndRenderedIntoTheTable() {
    ProviderEndpoint pe = apim("Ocp-Apim-Subscription-Key", null);
    assertThat(validator.validate(pe)).isEmpty();

    RoutingTable.Provider rendered = RoutingTableRenderer.provider(pe, true);
    assertThat(rendered.apiKeyHeader())
        .isEqualTo(new RoutingTable.ApiKeyHeader("Ocp-Apim-Subscription-Key", null));
    assertThat(RoutingTableRenderer.provider(apim("Authorization", "Bearer "), true).apiKeyHeader())
        .isEqualTo(new RoutingTable.ApiKeyHeader("Authorization", "Bearer "));
  }

  /** An endpoint that names none renders as before: its table bytes do not change. */
  @Test
  void anEndpointWithoutOneRendersNoField() {
    RoutingTable.Provider rendered = RoutingTableRenderer.provider(apim(null, null), true);
    assertThat(rendered.apiKeyHeader()).isNull();
    assertThat(
            RoutingTableCodec.encodeToString(
                new RoutingTable(1, null, "ns", Map.of("azure-apim", rendered), null, null)))
        .doesNotContain("apiKeyHeader");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Host", "content-length", "Transfer-Encoding", "X-Request-Id", "X:Key"})
  void aHeaderTheGatewayOwnsOrNoHeaderNameIsAnInvalidSpec(String header) {
    assertThat(validator.validate(apim(header, null)))
        .singleElement()
        .satisfies(
            (Problem p) -> {
              assertThat(p.reasonName()).isEqualTo("InvalidSpec");
              assertThat(p.message()).startsWith("spec.apiKeyHeader.name '" + header + "'");
            });
  }

  /** A key pasted into the prefix is refused and not quoted in the condition. */
  @Test
  void aPrefixThatIsNoSchemeIsAnInvalidSpecThatDoesNotQuoteIt() {
    assertThat(validator.validate(apim("Authorization", "Bearer " + SECRET_LOOKING)))
        .singleElement()
        .satisfies(
            (Problem p) -> {
              assertThat(p.reasonName()).isEqualTo("InvalidSpec");
              assertThat(p.message())
                  .startsWith("spec.apiKeyHeader.prefix")
                  .doesNotContain(SECRET_LOOKING);
            });
  }

  @Test
  void aKeyHeaderWithoutAKeyIsAnInvalidSpec() {
    ProviderEndpoint pe = apim("apikey", null);
    pe.getSpec().setApiKeySecretRef(null);
    assertThat(validator.validate(pe))
        .singleElement()
        .satisfies(
            (Problem p) ->
                assertThat(p.message()).contains("spec.apiKeySecretRef, which is missing"));
  }

  /**
   * An API gateway's subscription-key header in {@code spec.headers} is a key in the routing table
   * ConfigMap: refused (it was let through while there was no other way to send it), with the field
   * to use instead, and never quoting the value.
   */
  @ParameterizedTest
  @ValueSource(strings = {"Ocp-Apim-Subscription-Key", "apikey", "X-APIKEY", "x-api-key"})
  void aCredentialHeaderInHeadersIsRefusedPointingAtApiKeyHeader(String header) {
    ProviderEndpoint pe = apim(null, null);
    pe.getSpec().setHeaders(new TreeMap<>(Map.of(header, SECRET_LOOKING)));
    assertThat(validator.validate(pe))
        .singleElement()
        .satisfies(
            (Problem p) -> {
              assertThat(p.reasonName()).isEqualTo("CredentialInHeaders");
              assertThat(p.message())
                  .contains("'" + header + "'")
                  .contains("spec.apiKeyHeader.name: " + header)
                  .doesNotContain(SECRET_LOOKING);
            });
  }

  @Test
  void aStaticHeaderOfTheKeyHeadersNameIsAnInvalidSpec() {
    ProviderEndpoint pe = apim("X-Gateway-Key", null);
    pe.getSpec().setHeaders(new TreeMap<>(Map.of("x-gateway-key", "something")));
    assertThat(validator.validate(pe))
        .singleElement()
        .satisfies(
            (Problem p) -> {
              assertThat(p.reasonName()).isEqualTo("InvalidSpec");
              assertThat(p.message()).contains("'x-gateway-key'").doesNotContain("something");
            });
  }
}
