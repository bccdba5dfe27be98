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

/** An application or team that calls the gateway: its keys, model access, limits and budget. */
@Group(ProviderEndpoint.GROUP)
@Version(ProviderEndpoint.VERSION)
@Annotations(ProviderEndpoint.CRD_ANNOTATIONS)
@Kind("Consumer")
@Singular("consumer")
@Plural("consumers")
@ShortNames("csm")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Budget Exhausted",
    jsonPath = ".status.conditions[?(@.type==\"BudgetExhausted\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Spend Today",
    jsonPath = ".status.spend.today",
    type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(
    name = "Spend Month",
    jsonPath = ".status.spend.month",
    type = AdditionalPrinterColumn.Type.NUMBER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Consumer extends CustomResource<ConsumerSpec, ConsumerStatus> implements Namespaced {}
