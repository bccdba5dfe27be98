package dev.switchboard.e2e.stack;

import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.MockProviderOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code config-samples/local} as the tests use it: copied into a directory of their own (which
 * they edit like a GitOps repository) with the mock providers moved to free ports, so a test run
 * never collides with a local stack someone left running on 18081–18083.
 */
final class LocalSamples {

  static final Path SAMPLES = Path.of("../config-samples/local");

  final Path dir;
  final int primary;
  final int secondary;
  final int azure;

  private LocalSamples(Path dir, int primary, int secondary, int azure) {
    this.dir = dir;
    this.primary = primary;
    this.secondary = secondary;
    this.azure = azure;
  }

  static LocalSamples create() {
    try {
      LocalSamples samples =
          new LocalSamples(
              Files.createTempDirectory("switchboard-local-config"),
              freePort(),
              freePort(),
              freePort());
      samples.restore();
      return samples;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Map<Integer, MockProviderOptions> mocks() {
    return LocalStack.defaultMocks(primary, secondary, azure);
  }

  /** Options for a local stack on this directory and these ports, the gateway on a free port. */
  LocalStack.Options options() {
    return LocalStack.Options.defaults()
        .withConfigDir(dir)
        .withMockProviders(mocks())
        .withPort(0)
        .withAdminPort(0);
  }

  /** Starts a local stack on these samples and waits until its gateway serves their table. */
  LocalStack start(LocalStack.Options options, Consumer<String> console) {
    LocalStack stack = LocalStack.start(options, console);
    try {
      if (!stack.awaitRoutingTable(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the local stack served no routing table within 30 s");
      }
      return stack;
    } catch (InterruptedException e) {
      stack.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /** Writes the shipped samples (with this run's ports) over the directory's files. */
  void restore() throws IOException {
    try (Stream<Path> files = Files.list(SAMPLES)) {
      for (Path file : files.toList()) {
        String text =
            Files.readString(file)
                .replace("127.0.0.1:" + LocalStack.PRIMARY_PORT, "127.0.0.1:" + primary)
                .replace("127.0.0.1:" + LocalStack.SECONDARY_PORT, "127.0.0.1:" + secondary)
                .replace("127.0.0.1:" + LocalStack.AZURE_PORT, "127.0.0.1:" + azure);
        Path copy = dir.resolve(file.getFileName());
        if (!Files.exists(copy) || !Files.readString(copy).equals(text)) {
          Files.writeString(copy, text);
        }
      }
    }
  }

  /**
   * An {@code openai} ProviderEndpoint on a mock at {@code port} and the Secret holding its key
   * ({@code sk-<name>}), in the default namespace, followed by a document separator: what the tests
   * that bring their own mock providers write into their {@code providers.yaml}.
   *
   * @param model one entry of the endpoint's {@code models} list, as flow YAML
   */
  static String openAiEndpoint(String name, int port, String model) {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: %1$s-credentials, namespace: default}
        type: Opaque
        stringData: {apiKey: sk-%1$s}
        ---
        apiVersion: switchboard.dev/v1alpha1
        kind: ProviderEndpoint
        metadata: {name: %1$s, namespace: default}
        spec:
          provider: openai
          baseUrl: http://127.0.0.1:%2$d/v1
          apiKeySecretRef: {name: %1$s-credentials, key: apiKey}
          models:
            - %3$s
        ---
        """
        .formatted(name, port, model);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
