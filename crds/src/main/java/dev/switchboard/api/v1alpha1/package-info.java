/**
 * The {@code switchboard.dev/v1alpha1} API: ProviderEndpoint, RoutingPolicy and ModelRoute.
 *
 * <p>Plain data types without runtime logic. The CRD YAML users install is generated from these
 * classes at build time, so validation (required fields, enums, patterns, bounds, CEL rules) and
 * defaults live here as annotations and are enforced by the API server, not by the operator. Field
 * types stay {@code String}/boxed so an older operator still reads objects a newer schema accepted;
 * absent fields are {@code null} wherever the API server did not apply a default (for example in
 * the Fabric8 mock server, which applies no defaults).
 */
package dev.switchboard.api.v1alpha1;
