package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Table building on its own: cell types, the AGE format, the default columns. */
class CustomResourceTablesTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final CustomResourceTables tables =
      new CustomResourceTables(Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void agesAreFormattedLikeKubectl() {
    assertThat(CustomResourceTables.humanDuration(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
    assertThat(CustomResourceTables.humanDuration(Duration.ofMillis(-1500))).isEqualTo("0s");
    assertThat(CustomResourceTables.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(CustomResourceTables.humanDuration(Duration.ofSeconds(150))).isEqualTo("2m30s");
    assertThat(CustomResourceTables.humanDuration(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(CustomResourceTables.humanDuration(Duration.ofMinutes(95))).isEqualTo("95m");
    assertThat(CustomResourceTables.humanDuration(Duration.ofMinutes(185))).isEqualTo("3h5m");
    assertThat(CustomResourceTables.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
    assertThat(CustomResourceTables.humanDuration(Duration.ofHours(75))).isEqualTo("3d3h");
    assertThat(CustomResourceTables.humanDuration(Duration.ofDays(40))).isEqualTo("40d");
    assertThat(CustomResourceTables.humanDuration(Duration.ofDays(1000))).isEqualTo("2y270d");
    assertThat(CustomResourceTables.humanDuration(Duration.ofDays(4000))).isEqualTo("10y");
  }

  @Test
  void cellsAreTypedByTheirColumn() {
    assertThat(tables.cell("integer", NODES.numberNode(5.0))).isEqualTo(NODES.numberNode(5L));
    assertThat(tables.cell("integer", NODES.textNode("7"))).isEqualTo(NODES.numberNode(7L));
    assertThat(tables.cell("integer", NODES.textNode("x")).isNull()).isTrue();
    assertThat(tables.cell("number", NODES.numberNode(2))).isEqualTo(NODES.numberNode(2.0));
    assertThat(tables.cell("boolean", NODES.booleanNode(true))).isEqualTo(NODES.booleanNode(true));
    assertThat(tables.cell("boolean", NODES.textNode("true")).isNull()).isTrue();
    assertThat(tables.cell("string", NODES.numberNode(3))).isEqualTo(NODES.textNode("3"));
    assertThat(tables.cell("string", NODES.objectNode().put("a", 1)))
        .isEqualTo(NODES.textNode("{\"a\":1}"));
    assertThat(tables.cell("date", NODES.textNode("2026-03-01T11:00:00Z")))
        .isEqualTo(NODES.textNode("60m"));
    assertThat(tables.cell("date", NODES.textNode("yesterday")))
        .isEqualTo(NODES.textNode("<invalid>"));
  }

  @Test
  void aCrdWithoutPrinterColumnsGetsNameAndAge() throws Exception {
    JsonNode object =
        new ObjectMapper()
            .readTree(
                "{\"metadata\":{\"name\":\"w1\",\"resourceVersion\":\"7\","
                    + "\"creationTimestamp\":\"2026-03-01T11:58:00Z\"}}");

    JsonNode table = tables.table("v1", List.of(), object, CustomResourceTables.OBJECT);

    assertThat(table.path("columnDefinitions").findValuesAsText("name"))
        .containsExactly("Name", "Age");
    assertThat(table.path("metadata").path("resourceVersion").asText()).isEqualTo("7");
    assertThat(table.path("rows").get(0).path("cells").toString()).isEqualTo("[\"w1\",\"2m\"]");
    assertThat(table.path("rows").get(0).path("object")).isEqualTo(object);
  }

  @Test
  void anUnsupportedPathLeavesItsColumnEmptyAndTheOthersFilled() throws Exception {
    CustomResourceColumnDefinition bad =
        new CustomResourceColumnDefinitionBuilder()
            .withName("Odd")
            .withType("string")
            .withJsonPath(".spec.items[0:2]")
            .build();
    CustomResourceColumnDefinition size =
        new CustomResourceColumnDefinitionBuilder()
            .withName("Size")
            .withType("integer")
            .withJsonPath(".spec.size")
            .withDescription("how big")
            .build();
    JsonNode list =
        new ObjectMapper()
            .readTree(
                "{\"metadata\":{\"resourceVersion\":\"9\"},\"items\":["
                    + "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"size\":1}},"
                    + "{\"metadata\":{\"name\":\"b\"},\"spec\":{}}]}");

    JsonNode table = tables.table("v1", List.of(bad, size), list, null);

    assertThat(table.path("columnDefinitions").get(1).path("description").asText())
        .isEqualTo("Custom resource definition column (in JSONPath format): .spec.items[0:2]");
    assertThat(table.path("columnDefinitions").get(2).path("description").asText())
        .isEqualTo("how big");
    assertThat(table.path("rows").get(0).path("cells").toString()).isEqualTo("[\"a\",null,1]");
    assertThat(table.path("rows").get(1).path("cells").toString()).isEqualTo("[\"b\",null,null]");
    assertThat(table.path("rows").get(1).path("object").path("kind").asText())
        .isEqualTo("PartialObjectMetadata");
  }
}
