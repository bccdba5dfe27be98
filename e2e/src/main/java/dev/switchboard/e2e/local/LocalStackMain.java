package dev.switchboard.e2e.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar e2e/target/switchboard-local.jar}: the whole system on this machine, serving the
 * OpenAI API on 127.0.0.1:8080 until Ctrl-C.
 */
public final class LocalStackMain {

  static final String USAGE =
      """
      Usage: java -jar e2e/target/switchboard-local.jar [options]

      Runs Switchboard locally in one JVM: an embedded Kubernetes API (with the Switchboard CRDs),
      the operator, the gateway and fault-injecting mock providers on 127.0.0.1:18081-18083.
      The config directory is applied like a GitOps source and watched: edit, add or delete a
      file and the change is applied within a second.

      Options:
        --config-dir DIR       Kubernetes YAML to apply and watch (default: config-samples/local)
        --port N               gateway port on 127.0.0.1 (default: 8080)
        --admin-port N         gateway admin port: /admin/*, /metrics (default: 9090); /admin/*
                               answers the operator and the demo admin key only:
                               curl -H 'Authorization: Bearer sb-local-admin' …/admin/config
        --kubeconfig-out FILE  write a kubeconfig for the embedded API (for kubectl or curl)
        --with-consumer        also apply and watch config-samples/local-consumer: a Consumer
                               whose key is then required on every request
        --help                 show this help
      """;

  private LocalStackMain() {}

  /** The optional sample Consumer (its key is required once it exists). */
  static final Path CONSUMER_DIR = Path.of("config-samples", "local-consumer");

  /** The demo key of the sample Consumer in {@link #CONSUMER_DIR} (a local-only demo value). */
  static final String DEMO_CONSUMER_KEY = "sk-local-demo-team";

  public static void main(String[] args) throws Exception {
    LocalStack.Options options = LocalStack.Options.defaults();
    boolean withConsumer = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--help", "-h" -> {
          System.out.print(USAGE);
          return;
        }
        case "--config-dir" -> options = options.withConfigDir(Path.of(value(args, ++i, arg)));
        case "--port" -> options = options.withPort(port(value(args, ++i, arg)));
        case "--admin-port" -> options = options.withAdminPort(port(value(args, ++i, arg)));
        case "--kubeconfig-out" ->
            options = options.withKubeconfigOut(Path.of(value(args, ++i, arg)));
        case "--with-consumer" -> withConsumer = true;
        default -> fail("unknown option " + arg);
      }
    }
    if (!Files.isDirectory(options.configDir())) {
      fail(
          "config directory "
              + options.configDir().toAbsolutePath()
              + " does not exist (run from the repository root, or pass --config-dir)");
    }

    if (withConsumer && !Files.isDirectory(CONSUMER_DIR)) {
      fail(CONSUMER_DIR.toAbsolutePath() + " does not exist (run from the repository root)");
    }
    if (withConsumer) {
      options = options.withConsumerDir(CONSUMER_DIR);
    }
    LocalStack stack = LocalStack.start(options, System.out::println);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("switchboard-local: shutting down");
                  stack.close();
                  stopped.countDown();
                },
                "switchboard-local-shutdown"));
    if (!stack.awaitRoutingTable(Duration.ofSeconds(30))) {
      System.out.println(
          "switchboard-local: no routing table yet — check the config-dir messages above");
    }
    String base = stack.baseUrl();
    if (withConsumer) {
      System.out.printf(
          "Switchboard is ready on %s with Consumer demo-team (keys required)  —  try: curl"
              + " %s/chat/completions -H 'Authorization: Bearer %s' -H 'Content-Type:"
              + " application/json' -d '{\"model\":\"chat-default\",\"messages\":[{\"role\":"
              + "\"user\",\"content\":\"Hello\"}]}'  |  OpenAI SDK: OpenAI(base_url=\"%s\","
              + " api_key=\"%s\")  |  spend: curl -H 'Authorization: Bearer %s'"
              + " %s/admin/consumers  |  Ctrl-C to stop%n",
          base,
          base,
          DEMO_CONSUMER_KEY,
          base,
          DEMO_CONSUMER_KEY,
          LocalStack.ADMIN_KEY,
          stack.adminUrl());
      stopped.await();
      return;
    }
    System.out.printf(
        "Switchboard is ready on %s  —  try: curl %s/chat/completions -H 'Content-Type:"
            + " application/json' -d '{\"model\":\"chat-default\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hello\"}]}'  |  OpenAI SDK: OpenAI(base_url=\"%s\","
            + " api_key=\"any\")  |  admin: curl -H 'Authorization: Bearer %s'"
            + " %s/admin/config  |  Ctrl-C to stop%n",
        base, base, base, LocalStack.ADMIN_KEY, stack.adminUrl());
    stopped.await();
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      fail(flag + " needs a value");
    }
    return args[i];
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port < 0 || port > 65535) {
        fail("ports must be 0..65535");
      }
      return port;
    } catch (NumberFormatException e) {
      fail("a port must be a number, not " + text);
      return -1;
    }
  }

  private static void fail(String message) {
    System.err.println("switchboard-local: " + message);
    System.err.print(USAGE);
    System.exit(2);
  }
}
