package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.e2e.local.LocalStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} npm SDK, run with node, against the local stack: a non-streamed and a
 * streamed completion and a typed 404. The SDK is installed from the npm registry into {@code
 * target/npm-client} by the test itself (pinned in {@code src/test/resources/npm-client}).
 */
class NpmOpenAiSdkIT {

  private static final Path CLIENT_DIR = Path.of("target/npm-client");
  private static LocalStack stack;

  @BeforeAll
  static void start() throws Exception {
    Files.createDirectories(CLIENT_DIR);
    for (String file : List.of("package.json", "client.mjs")) {
      try (var in = NpmOpenAiSdkIT.class.getResourceAsStream("/npm-client/" + file)) {
        Files.write(CLIENT_DIR.resolve(file), in.readAllBytes());
      }
    }
    if (!Files.isDirectory(CLIENT_DIR.resolve("node_modules/openai"))) {
      run(
          List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"),
          Duration.ofMinutes(3));
    }
    LocalSamples samples = LocalSamples.create();
    stack = samples.start(samples.options(), line -> {});
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private static String run(List<String> command, Duration timeout) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT_DIR.toFile());
    builder.redirectErrorStream(true);
    if (stack != null) {
      builder.environment().put("SWITCHBOARD_BASE_URL", stack.baseUrl());
    }
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(command + " did not finish in " + timeout);
    }
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("%s failed:%n%s", command, text).isZero();
    return text;
  }

  @Test
  void theNpmSdkStreamsAndCompletesThroughTheGateway() throws Exception {
    String output = run(List.of("node", "client.mjs"), Duration.ofMinutes(1));
    String lastLine = output.strip().lines().reduce((a, b) -> b).orElseThrow();
    JsonNode result = new ObjectMapper().readTree(lastLine);

    assertThat(result.at("/nonStreaming/model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(result.at("/nonStreaming/content").asText()).contains("hello from node");
    assertThat(result.at("/streaming/content").asText()).contains("stream from node");
    assertThat(result.at("/streaming/chunks").asInt()).isGreaterThan(2);
    assertThat(result.at("/streaming/usage/completion_tokens").asInt()).isPositive();
    assertThat(result.at("/notFound/status").asInt()).isEqualTo(404);
    assertThat(result.at("/notFound/code").asText()).isEqualTo("model_not_found");
  }
}
