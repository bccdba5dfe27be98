package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The gateway's shared state store: none by default, the bundled Redis, or an existing one. */
class ChartStateStoreTest {

  @TempDir Path workDir;

  static JsonNode gatewayContainer(RenderedChart chart) {
    return chart.get("Deployment", "switchboard-gateway").at("/spec/template/spec/containers/0");
  }

  static List<String> args(JsonNode container) {
    List<String> args = new ArrayList<>();
    container.path("args").forEach(a -> args.add(a.asText()));
    return args;
  }

  static JsonNode env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (name.equals(e.path("name").asText())) {
        return e;
      }
    }
    return null;
  }

  @Test
  void adminKeyDigestsReachTheGatewayAsOneFlag() {
    String a = "a".repeat(64);
    String b = "b".repeat(64);
    assertThat(args(gatewayContainer(Charts.template(workDir, "{}"))))
        .doesNotContain("--admin-key-sha256");
    RenderedChart chart =
        Charts.template(workDir, "gateway: {adminKeySha256: [" + a + ", " + b + "]}");
    assertThat(args(gatewayContainer(chart))).containsSequence("--admin-key-sha256", a + "," + b);
    // A key where its digest belongs is refused by the schema.
    assertThatThrownBy(
            () -> Charts.template(workDir, "gateway: {adminKeySha256: [sk-admin-secret]}"))
        .hasMessageContaining("adminKeySha256");
  }

  @Test
  void byDefaultThereIsNoStoreAndNoRedis() {
    RenderedChart chart = Charts.template(workDir, "{}");
    assertThat(args(gatewayContainer(chart))).doesNotContain("--state-store");
    assertThat(chart.find("Deployment", "switchboard-redis")).isEmpty();
  }

  @Test
  void theBundledRedisIsDeployedAndTheGatewayPointsAtIt() {
    RenderedChart chart = Charts.template(workDir, "redis: {enabled: true}");
    JsonNode redis = chart.get("Deployment", "switchboard-redis");
    JsonNode container = redis.at("/spec/template/spec/containers/0");
    assertThat(container.path("image").asText()).startsWith("docker.io/library/redis:");
    assertThat(args(container)).containsSequence("--save", "").contains("--appendonly");
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/data");
    assertThat(redis.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(chart.get("Service", "switchboard-redis").at("/spec/ports/0/port").asInt())
        .isEqualTo(6379);
    assertThat(args(gatewayContainer(chart)))
        .containsSequence("--state-store", "redis://switchboard-redis:6379");
  }

  /**
   * On a cluster whose platform nodes are tainted (the gateway given tolerations and a node
   * selector), a Redis that cannot be told the same stays Pending: every replica then counts its
   * consumers' limits alone. The bundled Redis takes the same scheduling settings as the others.
   */
  @Test
  void theBundledRedisCanBeScheduledWhereTheGatewayIs() {
    RenderedChart chart =
        Charts.template(
            workDir,
            """
            redis:
              enabled: true
              nodeSelector: {example.com/pool: platform}
              tolerations: [{key: dedicated, operator: Equal, value: platform, effect: NoSchedule}]
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                      - matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]
              priorityClassName: platform-critical
            """);
    JsonNode pod = chart.get("Deployment", "switchboard-redis").at("/spec/template/spec");
    assertThat(pod.at("/nodeSelector/example.com~1pool").asText()).isEqualTo("platform");
    assertThat(pod.at("/tolerations/0/key").asText()).isEqualTo("dedicated");
    assertThat(pod.at("/affinity/nodeAffinity").isObject()).isTrue();
    assertThat(pod.at("/priorityClassName").asText()).isEqualTo("platform-critical");

    JsonNode defaults =
        Charts.template(workDir, "redis: {enabled: true}")
            .get("Deployment", "switchboard-redis")
            .at("/spec/template/spec");
    assertThat(defaults.has("nodeSelector") || defaults.has("tolerations")).isFalse();
  }

  /**
   * The bundled Redis holds every consumer's spend, budget reservations and rate buckets, and it
   * has no password unless one is set: without a policy of its own any pod of any namespace could
   * connect and reset them (a budget bypass) or fill them (a denial of service). Only this
   * release's gateway pods (and networkPolicy.redisFrom) may reach its port.
   */
  @Test
  void theBundledRedisTakesConnectionsOnlyFromTheGatewayPods() {
    RenderedChart chart = Charts.template(workDir, "redis: {enabled: true}");
    JsonNode policy = chart.get("NetworkPolicy", "switchboard-redis");
    assertThat(policy.at("/spec/podSelector/matchLabels"))
        .isEqualTo(chart.get("Deployment", "switchboard-redis").at("/spec/selector/matchLabels"));
    assertThat(policy.at("/spec/policyTypes"))
        .extracting(JsonNode::asText)
        .containsExactly("Ingress");
    JsonNode rules = policy.at("/spec/ingress");
    assertThat(rules.size()).isOne();
    assertThat(rules.at("/0/ports/0/port").asText()).isEqualTo("redis");
    JsonNode from = rules.at("/0/from");
    assertThat(from.size()).as("the gateway pods only: %s", from).isOne();
    assertThat(from.at("/0/podSelector/matchLabels"))
        .isEqualTo(chart.get("Deployment", "switchboard-gateway").at("/spec/selector/matchLabels"));
    assertThat(from.at("/0/namespaceSelector").isMissingNode()).as("this namespace").isTrue();

    // Gateways of other namespaces sharing it are named as further peers.
    JsonNode shared =
        Charts.template(
                workDir,
                """
                redis: {enabled: true}
                networkPolicy:
                  redisFrom:
                    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-a}}
                      podSelector: {matchLabels: {app.kubernetes.io/component: gateway}}
                """)
            .get("NetworkPolicy", "switchboard-redis")
            .at("/spec/ingress/0/from");
    assertThat(shared.size()).isEqualTo(2);
    assertThat(shared.at("/1/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo("team-a");

    assertThat(
            Charts.template(workDir, "redis: {enabled: true}\nnetworkPolicy: {enabled: false}\n")
                .find("NetworkPolicy", "switchboard-redis"))
        .isEmpty();
    assertThat(Charts.template().find("NetworkPolicy", "switchboard-redis"))
        .as("no Redis, no policy for it")
        .isEmpty();
  }

  @Test
  void anExistingRedisGetsItsPasswordFromASecretAndItsCaMounted() {
    RenderedChart chart =
        Charts.template(
            workDir,
            """
            gateway:
              stateStore:
                url: rediss://redis.shared.svc:6380
                passwordSecretRef: {name: redis-auth, key: pw}
                caSecretRef: {name: redis-ca}
                prefix: "team-a:"
                timeoutMs: 1500
            """);
    JsonNode gateway = gatewayContainer(chart);
    assertThat(args(gateway))
        .containsSequence("--state-store", "rediss://redis.shared.svc:6380")
        .containsSequence("--state-store-prefix", "team-a:")
        .containsSequence("--state-store-timeout-ms", "1500");
    JsonNode password = env(gateway, "SWITCHBOARD_STATE_STORE_PASSWORD");
    assertThat(password.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("redis-auth");
    assertThat(password.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("pw");
    assertThat(password.has("value")).isFalse();
    assertThat(env(gateway, "SWITCHBOARD_STATE_STORE_CA_FILE").path("value").asText())
        .isEqualTo("/etc/switchboard/state-store-ca/ca.crt");
    JsonNode volumes =
        chart.get("Deployment", "switchboard-gateway").at("/spec/template/spec/volumes");
    assertThat(volumes.toString()).contains("\"secretName\":\"redis-ca\"");
    assertThat(chart.find("Deployment", "switchboard-redis")).isEmpty();
  }

  @Test
  void theStoreTimeoutIsTheGatewaysDefaultUnlessSetAndBounded() {
    RenderedChart chart =
        Charts.template(workDir, "gateway: {stateStore: {url: redis://redis:6379}}");
    assertThat(args(gatewayContainer(chart))).doesNotContain("--state-store-timeout-ms");
    assertThatThrownBy(
            () ->
                Charts.template(
                    workDir, "gateway: {stateStore: {url: redis://redis:6379, timeoutMs: 600000}}"))
        .hasMessageContaining("timeoutMs");
  }

  /**
   * The URL is rendered into the gateway's args: readable by whoever may read Deployments or Pods
   * (the "view" role, Argo CD's UI, kubectl describe), where no Secret value belongs. A password in
   * it is refused; gateway.stateStore.passwordSecretRef carries one from a Secret.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "redis://:s3cret@redis:6379",
        "rediss://default:s3cret@redis.example.internal:6380",
        "redis://user:s3cret@redis:6379/0",
        "redis://:s3/cret@redis:6379"
      })
  void aStoreUrlWithAPasswordIsRefused(String url) {
    assertThatThrownBy(
            () -> Charts.templateRaw(workDir, "gateway: {stateStore: {url: " + url + "}}"))
        .hasMessageContaining("url")
        .hasMessageNotContaining("s3cret");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "redis://redis:6379",
        "redis://redis:6379/2",
        "rediss://default@redis.example.internal:6380",
        "redis://[fd00::1]:6379",
        "rediss://redis.example.internal:6380/0?timeout=5s"
      })
  void aStoreUrlWithoutAPasswordRenders(String url) {
    RenderedChart chart = Charts.template(workDir, "gateway: {stateStore: {url: \"" + url + "\"}}");
    assertThat(args(gatewayContainer(chart))).containsSequence("--state-store", url);
  }

  /**
   * gateway.extraArgs are rendered into the pod spec as they are, so a store URL with a password
   * passed there ("--state-store=URL" or "--state-store", "URL") was in clear where
   * gateway.stateStore.url would have been refused. Refused at render, in either form, and a
   * password= parameter too (the Redis client reads it); the message points at passwordSecretRef
   * and never repeats the password.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "[\"--state-store=redis://:s3cret@redis:6379\"]",
        "[\"--state-store\", \"redis://user:s3cret@redis.example.internal:6379/0\"]",
        "[\"--max-body-bytes\", \"8388608\", \"--STATE-STORE=rediss://default:s3cret@redis:6380\"]",
        "[\"--state-store redis://:s3cret@redis:6379\"]",
        "[\"--state-store=redis://:s3@cret@redis:6379\"]",
        "[\"--state-store\", \"redis://redis:6379/0?password=s3cret\"]",
        "[\"--state-store=rediss://redis:6380?db=1&Password=s3cret\"]"
      })
  void aPasswordInExtraArgsIsRefused(String extraArgs) {
    assertThatThrownBy(
            () -> Charts.templateRaw(workDir, "gateway:\n  extraArgs: " + extraArgs + "\n"))
        .hasMessageContaining("gateway.extraArgs[")
        .hasMessageContaining("gateway.stateStore.passwordSecretRef")
        .hasMessageNotContaining("s3cret")
        .hasMessageNotContaining("cret@");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[\"--state-store=redis://redis:6379\"]",
        "[\"--state-store\", \"rediss://default@redis.example.internal:6380/0\"]",
        "[\"--state-store=redis://[fd00::1]:6379\"]",
        "[\"--max-body-bytes\", \"8388608\"]"
      })
  void extraArgsWithoutAPasswordRender(String extraArgs) {
    RenderedChart chart = Charts.template(workDir, "gateway:\n  extraArgs: " + extraArgs + "\n");
    assertThat(args(gatewayContainer(chart))).isNotEmpty();
  }

  /**
   * The same password through the other ways into the pod spec: a password= parameter in
   * gateway.stateStore.url (its user:password@ the schema refuses), and extraEnv.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "stateStore: {url: \"redis://redis:6379/0?password=s3cret\"}",
        "extraEnv: [{name: SWITCHBOARD_STATE_STORE_PASSWORD, value: s3cret}]",
        "extraEnv: [{name: SWITCHBOARD_STATE_STORE, value: \"redis://:s3cret@redis:6379\"}]"
      })
  void aPasswordInTheStoreUrlParametersOrInExtraEnvIsRefused(String gateway) {
    assertThatThrownBy(() -> Charts.templateRaw(workDir, "gateway:\n  " + gateway + "\n"))
        .hasMessageContaining("in clear")
        .hasMessageContaining("gateway.stateStore.passwordSecretRef")
        .hasMessageNotContaining("s3cret");
    // From a Secret it is fine, as passwordSecretRef does it.
    assertThat(
            Charts.template(
                workDir,
                "gateway:\n  extraEnv: [{name: SWITCHBOARD_STATE_STORE_PASSWORD, valueFrom:"
                    + " {secretKeyRef: {name: redis-auth, key: password}}}]\n"))
        .isNotNull();
  }

  @Test
  void aStoreUrlThatIsNotRedisIsRejected() {
    assertThatThrownBy(
            () -> Charts.template(workDir, "gateway: {stateStore: {url: http://redis:6379}}"))
        .hasMessageContaining("url");
  }
}
