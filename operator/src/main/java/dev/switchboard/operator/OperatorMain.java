package dev.switchboard.operator;

import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process entry point: reads {@link OperatorSettings} from the environment and flags, connects with
 * the ambient Kubernetes configuration (in-cluster service account or kubeconfig) and runs until
 * the JVM is asked to stop.
 */
public final class OperatorMain {

  static {
    // Before the first logger exists: logback's default is DEBUG for everything, far too loud.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "switchboard-operator-logback.xml");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    OperatorSettings settings;
    try {
      settings = OperatorSettings.fromEnvironmentAndArgs(System.getenv(), args);
    } catch (IllegalArgumentException e) {
      System.err.println("switchboard-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = TolerantSerialization.clientBuilder().build();
    SwitchboardOperator operator = SwitchboardOperator.start(client, settings, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping switchboard operator");
                  operator.stop();
                  client.close();
                  stopped.countDown();
                },
                "switchboard-operator-shutdown"));
    stopped.await();
  }
}
