package dev.switchboard.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.providerendpoint.UpstreamAddressGuard;
import dev.switchboard.operator.render.ModelRouteValidator;
import dev.switchboard.operator.render.NamespaceView;
import dev.switchboard.operator.render.PublishedTable;
import dev.switchboard.operator.render.RenderOutcome;
import dev.switchboard.operator.render.ResolvedNamespace;
import dev.switchboard.operator.render.RouteOutcome;
import dev.switchboard.operator.render.RoutingTableComposer;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A route deleted and created again under the same name is another object (a new uid). Its spec
 * broken, it used to keep the deleted route's entry as its "last good" one: the table went on
 * serving what the user deleted, under a route that never rendered. The rule "an invalid resource
 * keeps its last good entry" is about the same object; a route that never rendered is not served.
 */
class RecreatedRouteTest {

  private static final String NS = "recreated-route";

  private final RoutingTableComposer composer = new RoutingTableComposer(new ModelRouteValidator());

  private static List<HasMetadata> basic() {
    List<HasMetadata> items = Fixtures.load("fixtures/namespace-basic.yaml", NS);
    long second = 1;
    for (HasMetadata item : items) {
      item.getMetadata().setGeneration(1L);
      item.getMetadata().setUid("uid-" + item.getMetadata().getName());
      item.getMetadata().setCreationTimestamp("2026-11-01T00:00:0" + second++ + "Z");
    }
    return items;
  }

  /** The items with route {@code reasoning} replaced by a broken one of {@code uid}. */
  private static List<HasMetadata> withBrokenReasoning(
      List<HasMetadata> items, String uid, long generation) {
    List<HasMetadata> copy = new ArrayList<>();
    for (HasMetadata item : items) {
      HasMetadata c = Fixtures.copy(item);
      if (c instanceof ModelRoute route && route.getMetadata().getName().equals("reasoning")) {
        route.getMetadata().setUid(uid);
        route.getMetadata().setGeneration(generation);
        route.getSpec().setTargets(List.of());
      }
      copy.add(c);
    }
    return copy;
  }

  private RenderOutcome render(List<HasMetadata> items, PublishedTable published) {
    List<Secret> secrets = Fixtures.ofType(items, Secret.class);
    NamespaceView view =
        new NamespaceView(
            NS,
            Fixtures.ofType(items, ProviderEndpoint.class),
            Fixtures.ofType(items, RoutingPolicy.class),
            Fixtures.ofType(items, ModelRoute.class),
            name ->
                secrets.stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst());
    return composer.compose(
        ResolvedNamespace.resolve(
            view,
            new ProviderEndpointValidator(new UpstreamAddressGuard(false, true)),
            new RoutingPolicyValidator()),
        published);
  }

  private static List<String> routeNames(RenderOutcome outcome) {
    return outcome.table().routes().stream().map(RoutingTable.Route::name).toList();
  }

  @Test
  void aRouteCreatedAgainWithABrokenSpecDoesNotServeTheDeletedRoutesEntry() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      RoutingTablePublisher publisher = new RoutingTablePublisher(api.client());
      List<HasMetadata> items = basic();
      RenderOutcome first = render(items, PublishedTable.NONE);
      publisher.publish(NS, first, List.of());
      assertThat(routeNames(first)).contains("reasoning");
      PublishedTable published = publisher.published(NS);
      assertThat(published.servedUids()).containsEntry("reasoning", "uid-reasoning");

      // The same object broken: its last good entry keeps serving.
      RenderOutcome broken = render(withBrokenReasoning(items, "uid-reasoning", 2), published);
      assertThat(broken.routes().get("reasoning").state()).isEqualTo(RouteOutcome.State.LAST_GOOD);
      assertThat(routeNames(broken)).contains("reasoning");

      // Deleted and created again, broken, before a render saw the deletion.
      RenderOutcome recreated =
          render(withBrokenReasoning(items, "uid-reasoning-again", 1), published);
      assertThat(recreated.routes().get("reasoning").state())
          .as("a route that never rendered")
          .isEqualTo(RouteOutcome.State.NOT_SERVED);
      assertThat(routeNames(recreated)).containsExactly("chat-default");
      assertThat(recreated.servedUids()).doesNotContainKey("reasoning");

      // Created again as it was: the same table, nothing written, but the entry is the new
      // object's now, and its last good entry when it breaks.
      List<HasMetadata> again = new ArrayList<>();
      for (HasMetadata item : items) {
        HasMetadata c = Fixtures.copy(item);
        if (c.getMetadata().getName().equals("reasoning") && c instanceof ModelRoute) {
          c.getMetadata().setUid("uid-reasoning-again");
        }
        again.add(c);
      }
      assertThat(publisher.publish(NS, render(again, publisher.published(NS)), List.of())).isZero();
      RenderOutcome againBroken =
          render(withBrokenReasoning(items, "uid-reasoning-again", 2), publisher.published(NS));
      assertThat(againBroken.routes().get("reasoning").state())
          .isEqualTo(RouteOutcome.State.LAST_GOOD);
    }
  }

  /**
   * After an operator restart the table is read back from its ConfigMap, which does not say which
   * object each entry was rendered from: an entry of a later revision than the route's generation
   * cannot be this route's (generations only grow). One of the same revision cannot be told apart
   * and counts as the route's.
   */
  @Test
  void readBackAfterARestartAnEntryOfALaterRevisionIsAnotherRoutes() {
    List<HasMetadata> items = basic();
    for (HasMetadata item : items) {
      if (item.getMetadata().getName().equals("reasoning")) {
        item.getMetadata().setGeneration(3L);
      }
    }
    RenderOutcome first = render(items, PublishedTable.NONE);
    PublishedTable readBack = new PublishedTable(Optional.of(first.table()), first.keys());

    RenderOutcome recreated = render(withBrokenReasoning(items, "uid-new", 1), readBack);
    assertThat(routeNames(recreated)).containsExactly("chat-default");

    RenderOutcome sameRevision = render(withBrokenReasoning(items, "uid-new", 3), readBack);
    assertThat(routeNames(sameRevision)).contains("reasoning");
  }
}
