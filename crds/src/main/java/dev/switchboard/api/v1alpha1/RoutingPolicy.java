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

/** How requests of the routes that reference it are routed, retried, limited and cached. */
@Group(ProviderEndpoint.GROUP)
@Version(ProviderEndpoint.VERSION)
@Annotations(ProviderEndpoint.CRD_ANNOTATIONS)
@Kind("RoutingPolicy")
@Singular("routingpolicy")
@Plural("routingpolicies")
@ShortNames("rp")
@AdditionalPrinterColumn(
    name = "Strategy",
    jsonPath = ".spec.strategy",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Enforced",
    jsonPath = ".status.conditions[?(@.type==\"Enforced\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class RoutingPolicy extends CustomResource<RoutingPolicySpec, RoutingPolicyStatus>
    implements Namespaced {}
