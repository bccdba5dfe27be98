package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Which informer events on the consumer table are changes by others. Every one the publisher calls
 * so makes the Consumer reconciler reconcile every Consumer of the namespace.
 */
class ConsumerKeysPublisherTest {

  private static final String NS = "consumer-keys-publisher";

  private static ConsumerTable table(String operatorKeySha256) {
    return ConsumerTableRenderer.render(
            List.of(), new CredentialResolver((ns, name) -> Optional.empty()), operatorKeySha256)
        .table();
  }

  private static Secret published(KubernetesClient client) {
    return client.secrets().inNamespace(NS).withName(ConsumerTable.SECRET_NAME).get();
  }

  /**
   * In a burst the publisher writes again before the informer delivered its previous write: that
   * event, seen late, used to count as a change by others (it is not the last version written), and
   * so did the event of the last write after it (what was written had been forgotten): two
   * reconciles of every Consumer for one write, N² over a burst of N Consumers.
   */
  @Test
  void itsOwnWritesSeenLateAreNotChangesByOthersButAnEditIs() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      KubernetesClient client = api.client();
      ConsumerKeysPublisher publisher = new ConsumerKeysPublisher(client);
      String[] hashes = {"a".repeat(64), "b".repeat(64), "c".repeat(64)};

      assertThat(publisher.publish(NS, table(hashes[0]), List.of())).isTrue();
      Secret first = published(client);
      assertThat(publisher.publish(NS, table(hashes[1]), List.of())).isTrue();
      Secret second = published(client);
      assertThat(publisher.publish(NS, table(hashes[2]), List.of())).isTrue();
      Secret third = published(client);

      // The informer delivers the three writes' events only now, in order.
      assertThat(publisher.changedByOthers(first)).as("its first write").isFalse();
      assertThat(publisher.changedByOthers(second)).as("its second write").isFalse();
      assertThat(publisher.changedByOthers(third)).as("its last write").isFalse();
      // Nothing was forgotten: the same table again costs no API call and no write.
      assertThat(publisher.publish(NS, table(hashes[2]), List.of())).isFalse();

      Secret edited =
          client
              .secrets()
              .inNamespace(NS)
              .withName(ConsumerTable.SECRET_NAME)
              .edit(
                  s -> {
                    s.getMetadata().setLabels(java.util.Map.of("edited", "by-hand"));
                    return s;
                  });
      assertThat(publisher.changedByOthers(edited)).as("an edit by someone else").isTrue();
      // Now nothing of its own is trusted: an earlier version of its own seen after the edit (an
      // informer relisting) counts as a change too, and the table is read and written again.
      assertThat(publisher.changedByOthers(third)).isTrue();
    }
  }

  /**
   * The informer may deliver the event of a write before the write returns its resourceVersion:
   * that event used to count as a change by others too, and made every later event of its own
   * writes count until the next publish (what was written had been forgotten). Seen here from the
   * moment the update is sent.
   */
  @Test
  void itsWriteSeenBeforeItReturnedIsNotAChangeByOthers() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      AtomicReference<ConsumerKeysPublisher> publisher = new AtomicReference<>();
      AtomicReference<Boolean> changed = new AtomicReference<>();
      AtomicReference<Secret> observed = new AtomicReference<>();
      KubernetesClient client =
          TolerantSerialization.clientBuilder()
              .withConfig(api.clientConfig())
              .withHttpClientFactory(new JdkHttpClientFactory())
              .withHttpClientBuilderConsumer(
                  builder ->
                      builder.addOrReplaceInterceptor(
                          "event-before-answer",
                          new Interceptor() {
                            @Override
                            public void before(
                                BasicBuilder b, HttpRequest request, RequestTags tags) {
                              if (request.method().equals("PUT") && observed.get() != null) {
                                changed.set(publisher.get().changedByOthers(observed.get()));
                              }
                            }
                          }))
              .build();
      publisher.set(new ConsumerKeysPublisher(client));
      assertThat(publisher.get().publish(NS, table("a".repeat(64)), List.of())).isTrue();
      ConsumerTable next = table("b".repeat(64));
      // What the informer reports of the update: its table, a version not known yet.
      Secret seen = published(client);
      seen.getMetadata().setResourceVersion("999999");
      seen.setData(
          java.util.Map.of(
              ConsumerTable.SECRET_KEY,
              java.util.Base64.getEncoder().encodeToString(next.toJson())));
      observed.set(seen);

      assertThat(publisher.get().publish(NS, next, List.of())).isTrue();

      assertThat(changed.get()).as("changed by others, seen during its own update").isFalse();
      client.close();
    }
  }
}
