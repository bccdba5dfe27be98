package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Dockerfiles and the chart agree on what they both assume: user id, port, main class. No
 * Docker engine is available here, so the images themselves are not built by the tests.
 */
class ContainerImageTest {

  @ParameterizedTest
  @CsvSource({
    "operator/Dockerfile, switchboard-operator, dev.switchboard.operator.OperatorMain,"
        + " operator, switchboard-operator-*.jar",
    "gateway-runtime/Dockerfile, switchboard-gateway, dev.switchboard.gateway.GatewayMain,"
        + " gateway-runtime, switchboard-gateway-runtime-*.jar"
  })
  void dockerfileMatchesTheChart(
      String dockerfile, String deployment, String mainClass, String module, String jarGlob)
      throws IOException {
    String text = Files.readString(Charts.repoDir().resolve(dockerfile));
    List<String> lines = text.lines().map(String::strip).toList();
    JsonNode container =
        Charts.template().get("Deployment", deployment).at("/spec/template/spec/containers/0");
    int port = container.at("/ports/0/containerPort").asInt();

    assertThat(lines).as("multi-stage build").filteredOn(l -> l.startsWith("FROM ")).hasSize(2);
    assertThat(lines).contains("USER 10001:10001", "EXPOSE " + port);
    assertThat(text)
        .contains("\"" + mainClass + "\"")
        .contains("-pl " + module + " -am")
        .contains("COPY --from=build /src/" + module + "/target/lib/ /app/lib/")
        .contains("COPY --from=build /src/" + module + "/target/" + jarGlob + " /app/")
        .contains("\"-cp\", \"/app/*:/app/lib/*\"");
    assertThat(lines).noneMatch(l -> l.equals("USER root") || l.equals("USER 0"));
  }
}
