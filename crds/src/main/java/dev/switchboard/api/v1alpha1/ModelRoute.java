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

/** One logical model name clients send, the targets that serve it and how changes roll out. */
@Group(ProviderEndpoint.GROUP)
@Version(ProviderEndpoint.VERSION)
@Annotations(ProviderEndpoint.CRD_ANNOTATIONS)
@Kind("ModelRoute")
@Singular("modelroute")
@Plural("modelroutes")
@ShortNames("mr")
@AdditionalPrinterColumn(
    name = "Model",
    jsonPath = ".spec.model",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Canary",
    jsonPath = ".status.canaryWeight",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Policy",
    jsonPath = ".spec.policyRef.name",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ModelRoute extends CustomResource<ModelRouteSpec, ModelRouteStatus>
    implements Namespaced {

  /** Annotation that promotes a running canary by hand; the controller clears it. */
  public static final String PROMOTE_ANNOTATION = "switchboard.dev/promote";

  /** Annotation that aborts a running canary by hand; the controller clears it. */
  public static final String ABORT_ANNOTATION = "switchboard.dev/abort";
}
