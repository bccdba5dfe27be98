package dev.switchboard.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.Annotations;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** One upstream provider account: where it is, how to authenticate, what it serves and costs. */
@Group(ProviderEndpoint.GROUP)
@Version(ProviderEndpoint.VERSION)
@Annotations(ProviderEndpoint.CRD_ANNOTATIONS)
@Kind("ProviderEndpoint")
@Singular("providerendpoint")
@Plural("providerendpoints")
@ShortNames("pe")
@AdditionalPrinterColumn(
    name = "Provider",
    jsonPath = ".spec.provider",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Healthy",
    jsonPath = ".status.conditions[?(@.type==\"Healthy\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Base URL",
    jsonPath = ".spec.baseUrl",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ProviderEndpoint extends CustomResource<ProviderEndpointSpec, ProviderEndpointStatus>
    implements Namespaced {

  /** The API group of all Switchboard resources. */
  public static final String GROUP = "switchboard.dev";

  /** The API version of this package. */
  public static final String VERSION = "v1alpha1";

  /**
   * Metadata annotations of every Switchboard CRD. Argo CD applies a chart's crds/ as ordinary
   * resources: without these, deleting the Application (or a sync that no longer renders a CRD)
   * would delete the CRD and every resource of its kind in every namespace. Helm never deletes
   * crds/; kubectl and Flux ignore the annotation.
   */
  public static final String CRD_ANNOTATIONS =
      "argocd.argoproj.io/sync-options=Prune=false,Delete=false";
}
