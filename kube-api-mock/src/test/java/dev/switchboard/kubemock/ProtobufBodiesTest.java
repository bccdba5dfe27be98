package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Secrets and ConfigMaps written as protobuf, as client-go's typed clients write them (Helm stores
 * its releases so), are stored as if they had come as JSON; other protobuf bodies are refused. The
 * bodies here are built field by field after k8s.io/api's generated.proto, with the empty fields Go
 * writes for unset strings.
 */
class ProtobufBodiesTest {

  private static final String PROTOBUF = "application/vnd.kubernetes.protobuf";

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private EmbeddedKubernetesApi api;

  @BeforeEach
  void start() {
    api = EmbeddedKubernetesApi.start();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aProtobufSecretIsStoredAndCanBeReplacedByVersion() throws Exception {
    byte[] release = {0, 1, 2, (byte) 0xff};

    HttpResponse<String> created =
        send("POST", "/api/v1/namespaces/default/secrets", secret("release-v1", "", release, "1"));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    Secret stored = api.client().secrets().withName("release-v1").get();
    assertThat(stored.getType()).isEqualTo("helm.sh/release.v1");
    assertThat(stored.getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("owner", "helm", "version", "1"));
    assertThat(Base64.getDecoder().decode(stored.getData().get("release"))).isEqualTo(release);
    assertThat(stored.getMetadata().getUid()).as("no empty uid stored").isNotEmpty();
    assertThat(stored.getMetadata().getCreationTimestamp()).doesNotStartWith("1970");

    HttpResponse<String> replaced =
        send(
            "PUT",
            "/api/v1/namespaces/default/secrets/release-v1",
            secret("release-v1", stored.getMetadata().getResourceVersion(), release, "2"));

    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
    assertThat(api.client().secrets().withName("release-v1").get().getMetadata().getLabels())
        .containsEntry("version", "2");
  }

  @Test
  void aProtobufConfigMapIsStored() throws Exception {
    ProtobufWriter meta = new ProtobufWriter().string(1, "settings").string(3, "");
    ProtobufWriter configMap =
        new ProtobufWriter()
            .message(1, meta)
            .message(2, new ProtobufWriter().string(1, "mode").string(2, "fast"));

    HttpResponse<String> created =
        send("POST", "/api/v1/namespaces/default/configmaps", envelope("ConfigMap", configMap));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    ConfigMap stored = api.client().configMaps().withName("settings").get();
    assertThat(stored.getData()).containsExactlyEntriesOf(Map.of("mode", "fast"));
  }

  @Test
  void otherProtobufBodiesAreStillRefused() throws Exception {
    ProtobufWriter pod = new ProtobufWriter().message(1, new ProtobufWriter().string(1, "p"));

    HttpResponse<String> answer =
        send("POST", "/api/v1/namespaces/default/pods", envelope("Pod", pod));

    assertThat(answer.statusCode()).isEqualTo(415);
    assertThat(api.client().pods().withName("p").get()).isNull();
  }

  /** A release Secret as Helm's storage writes it (unset strings written empty). */
  private static byte[] secret(
      String name, String resourceVersion, byte[] release, String version) {
    ProtobufWriter meta =
        new ProtobufWriter()
            .string(1, name)
            .string(2, "")
            .string(3, "")
            .string(5, "")
            .string(6, resourceVersion)
            .varint(7, 0)
            .bytes(8, new byte[0])
            .message(11, new ProtobufWriter().string(1, "owner").string(2, "helm"))
            .message(11, new ProtobufWriter().string(1, "version").string(2, version));
    ProtobufWriter secret =
        new ProtobufWriter()
            .message(1, meta)
            .message(2, new ProtobufWriter().string(1, "release").bytes(2, release))
            .string(3, "helm.sh/release.v1");
    return envelope("Secret", secret);
  }

  /** {@code k8s\0} and a runtime.Unknown: typeMeta 1 (apiVersion 1, kind 2), raw 2. */
  private static byte[] envelope(String kind, ProtobufWriter object) {
    ProtobufWriter unknown =
        new ProtobufWriter()
            .message(1, new ProtobufWriter().string(1, "v1").string(2, kind))
            .message(2, object)
            .string(3, "")
            .string(4, "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'k', '8', 's', 0});
    out.writeBytes(unknown.toByteArray());
    return out.toByteArray();
  }

  private HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url() + path))
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", PROTOBUF)
            .header("Accept", PROTOBUF + ",application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The protobuf wire format, enough to build bodies: varints and length-delimited fields. */
  private static final class ProtobufWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtobufWriter varint(int field, long value) {
      writeVarint((long) field << 3);
      writeVarint(value);
      return this;
    }

    ProtobufWriter bytes(int field, byte[] value) {
      writeVarint(((long) field << 3) | 2);
      writeVarint(value.length);
      out.writeBytes(value);
      return this;
    }

    ProtobufWriter string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtobufWriter message(int field, ProtobufWriter message) {
      return bytes(field, message.toByteArray());
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }

    private void writeVarint(long value) {
      while ((value & ~0x7fL) != 0) {
        out.write((int) ((value & 0x7f) | 0x80));
        value >>>= 7;
      }
      out.write((int) value);
    }
  }
}
