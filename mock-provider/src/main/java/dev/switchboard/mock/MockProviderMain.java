package dev.switchboard.mock;

import dev.switchboard.mock.fault.FaultRules;
import dev.switchboard.mock.fault.FaultSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link MockProvider} as a standalone process for the local stack and benchmarks.
 *
 * <pre>
 * java -cp ... dev.switchboard.mock.MockProviderMain --port 18081 --key sk-local-primary \
 *     --models gpt-4o-mini,text-embedding-3-small --alias gpt-4o=gpt-4o-2024-08-06 \
 *     --fault 'gpt-4o-mini=status:503;times=2'
 * </pre>
 */
public final class MockProviderMain {

  private static final String USAGE =
      """
      Usage: MockProviderMain [options]
        --host HOST                 interface to bind (default 127.0.0.1)
        --port PORT                 port (default 18081; 0 picks a free one)
        --key KEY                   accepted API key, repeatable (none: no authentication)
        --keys K1,K2                accepted API keys, comma-separated
        --models M1,M2              known model ids (none: any model id is accepted)
        --alias REQUESTED=RESOLVED  echo RESOLVED as "model" for REQUESTED, repeatable
        --embedding-dimensions N    default embedding length (default 8)
        --fault MODEL=SPEC[;times=N]  fault rule, repeatable; MODEL '*' means every model
        --chunk-interval-ms MS      default interval between stream events (default 0)
        --seed N                    seed for fail-rate and random delays (default 42)
        --fast                      answer every chat request from the fixed fast path
        --help                      this text
      Admin API: GET /_mock/stats, GET|POST|DELETE /_mock/faults, POST /_mock/reset, PUT /_mock/keys
      """;

  private MockProviderMain() {}

  /** Parsed command line: server options plus fault rules (model, spec, times). */
  record CommandLine(MockProviderOptions options, List<Rule> rules, boolean help) {}

  /** One {@code --fault MODEL=SPEC[;times=N]} rule. */
  record Rule(String model, String fault, int times) {}

  public static void main(String[] args) throws InterruptedException {
    if (System.getProperty("logback.configurationFile") == null) {
      // A library jar must not ship logback.xml; the standalone process picks its own config.
      System.setProperty("logback.configurationFile", "mock-provider-logback.xml");
    }
    CommandLine cli;
    try {
      cli = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (cli.help()) {
      System.out.print(USAGE);
      return;
    }
    Logger log = LoggerFactory.getLogger(MockProviderMain.class);
    MockProviderOptions options = cli.options();
    MockProvider mock = MockProvider.startBlocking(options);
    cli.rules().forEach(r -> mock.faults().add(r.model(), r.fault(), r.times()));
    log.info(
        "mock provider listening on {} (Azure shape at {}/openai/deployments/...), {} key(s),"
            + " models {}",
        mock.baseUrl(),
        mock.origin(),
        options.keys().size(),
        options.models().isEmpty() ? "any" : options.models());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  mock.close();
                  stopped.countDown();
                },
                "mock-provider-shutdown"));
    stopped.await();
  }

  /** Parses the command line; throws {@link IllegalArgumentException} with a usable message. */
  static CommandLine parse(String[] args) {
    MockProviderOptions options = new MockProviderOptions().port(18081);
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--help", "-h" -> {
          return new CommandLine(options, rules, true);
        }
        case "--fast" -> options.fastPath(true);
        default -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("missing value for " + arg);
          }
          String value = args[++i];
          try {
            switch (arg) {
              case "--host" -> options.host(value);
              case "--port" -> options.port(Integer.parseInt(value));
              case "--key" -> options.keys().add(value);
              case "--keys" -> options.keys().addAll(splitList(value));
              case "--models" -> options.models().addAll(splitList(value));
              case "--alias" -> {
                String[] kv = splitPair(value, "--alias");
                options.alias(kv[0], kv[1]);
              }
              case "--embedding-dimensions" -> options.embeddingDimensions(Integer.parseInt(value));
              case "--fault" -> rules.add(rule(value));
              case "--chunk-interval-ms" -> options.defaultChunkIntervalMs(Long.parseLong(value));
              case "--seed" -> options.randomSeed(Long.parseLong(value));
              default -> throw new IllegalArgumentException("unknown option " + arg);
            }
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(arg + " expects a number, got " + value, e);
          }
        }
      }
    }
    return new CommandLine(options, rules, false);
  }

  /** {@code MODEL=SPEC[;times=N]}; the spec is validated now, not at the first request. */
  private static Rule rule(String value) {
    String[] kv = splitPair(value, "--fault");
    int times = FaultRules.UNLIMITED;
    List<String> parts = new ArrayList<>();
    for (String part : kv[1].split(";")) {
      if (part.trim().startsWith("times=")) {
        times = Integer.parseInt(part.trim().substring("times=".length()));
      } else {
        parts.add(part);
      }
    }
    String spec = String.join(";", parts);
    FaultSpec.parse(spec);
    return new Rule(kv[0], spec, times);
  }

  private static List<String> splitList(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static String[] splitPair(String value, String option) {
    int eq = value.indexOf('=');
    if (eq <= 0 || eq == value.length() - 1) {
      throw new IllegalArgumentException(option + " expects A=B, got " + value);
    }
    return new String[] {value.substring(0, eq), value.substring(eq + 1)};
  }
}
