package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The npm client directory the SDK end-to-end tests share ({@code target/npm-client}): its scripts
 * and {@code package.json} copied from {@code src/test/resources/npm-client}, the pinned packages
 * installed from the npm registry once, and node scripts run there.
 */
final class NpmClient {

  static final Path DIR = Path.of("target/npm-client");

  private NpmClient() {}

  /**
   * Copies {@code package.json} and {@code scripts}, and runs {@code npm install} unless every
   * package in {@code modules} is installed already.
   */
  static void prepare(List<String> scripts, List<String> modules) throws Exception {
    Files.createDirectories(DIR);
    copy("package.json");
    for (String script : scripts) {
      copy(script);
    }
    if (!modules.stream().allMatch(m -> Files.isDirectory(DIR.resolve("node_modules/" + m)))) {
      run(
          List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"),
          Duration.ofMinutes(3),
          Map.of());
    }
  }

  private static void copy(String file) throws IOException {
    try (InputStream in = NpmClient.class.getResourceAsStream("/npm-client/" + file)) {
      Files.write(DIR.resolve(file), in.readAllBytes());
    }
  }

  /**
   * Runs {@code command} in the directory with {@code env} added; its output, failing if it did.
   */
  static String run(List<String> command, Duration timeout, Map<String, String> env)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile());
    builder.redirectErrorStream(true);
    builder.environment().putAll(env);
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
}
