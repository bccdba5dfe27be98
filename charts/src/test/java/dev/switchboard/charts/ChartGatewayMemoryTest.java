package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The gateway's default JVM sizing against its default memory limit. The heap is only part of what
 * counts against the limit: Netty's direct buffers, uncapped, may grow as large as the heap (the
 * JVM's default), and metaspace, code cache, G1's structures and thread stacks need room too. With
 * a 75 % heap and no cap the pod could go past its limit and be killed with every stream on it.
 */
class ChartGatewayMemoryTest {

  private static final long MIB = 1024L * 1024;

  /** What the defaults leave for metaspace, code cache, GC structures and threads (README). */
  private static final long ROOM_OUTSIDE_HEAP_AND_DIRECT = 160 * MIB;

  @Test
  void theDefaultHeapAndDirectBufferCapLeaveRoomForTheRestUnderTheLimit() {
    JsonNode container =
        Charts.template()
            .get("Deployment", "switchboard-gateway")
            .at("/spec/template/spec/containers/0");
    long limit = bytes(container.at("/resources/limits/memory").asText());
    String options = javaToolOptions(container);

    Matcher direct = Pattern.compile("-XX:MaxDirectMemorySize=(\\d+[kKmMgG]?)").matcher(options);
    assertThat(direct.find()).as("direct memory capped in %s", options).isTrue();
    long directCap = bytes(direct.group(1));
    Matcher percentage =
        Pattern.compile("-XX:MaxRAMPercentage=(\\d+(?:\\.\\d+)?)").matcher(options);
    assertThat(percentage.find()).as("heap sized from the limit in %s", options).isTrue();
    long heap = (long) (limit * Double.parseDouble(percentage.group(1)) / 100);

    assertThat(limit - heap - directCap)
        .as("room outside heap (%d MiB) and direct buffers (%d MiB)", heap / MIB, directCap / MIB)
        .isGreaterThanOrEqualTo(ROOM_OUTSIDE_HEAP_AND_DIRECT);
    assertThat(heap).as("still most of the pod for the heap").isGreaterThan(limit / 2);
    assertThat(directCap).as("room for buffers in flight").isGreaterThanOrEqualTo(64 * MIB);
    assertThat(options).contains("-XX:+UseG1GC");
  }

  /** The image run without the chart (docker run -m 768m) is sized as the chart's pod is. */
  @Test
  void theGatewayImageDefaultsToTheChartsJvmOptions() throws IOException {
    String dockerfile = Files.readString(Charts.repoDir().resolve("gateway-runtime/Dockerfile"));
    String chartOptions =
        javaToolOptions(
            Charts.template()
                .get("Deployment", "switchboard-gateway")
                .at("/spec/template/spec/containers/0"));
    assertThat(dockerfile).contains("ENV JAVA_TOOL_OPTIONS=\"" + chartOptions + "\"");
  }

  private static String javaToolOptions(JsonNode container) {
    for (JsonNode env : container.path("env")) {
      if ("JAVA_TOOL_OPTIONS".equals(env.path("name").asText())) {
        return env.path("value").asText();
      }
    }
    throw new AssertionError("no JAVA_TOOL_OPTIONS in " + container.path("env"));
  }

  /** Kubernetes quantities (Mi, Gi) and JVM sizes (m, g, k or bytes). */
  private static long bytes(String quantity) {
    Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|[kKmMgG])?").matcher(quantity);
    assertThat(m.matches()).as("a size: %s", quantity).isTrue();
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    return switch (unit) {
      case "Ki", "k", "K" -> n * 1024;
      case "Mi", "m", "M" -> n * MIB;
      case "Gi", "g", "G" -> n * 1024 * MIB;
      default -> n;
    };
  }
}
