{{/*
Chart name, overridable.
*/}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name prefix for every resource. Kept short enough (49 characters) that the longest suffix,
"-gateway-admin" of the admin Service, still fits the 63-character limit of a Service name.
*/}}
{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 49 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 49 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 49 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "switchboard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Standard labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
*/}}
{{- define "switchboard.labels" -}}
helm.sh/chart: {{ include "switchboard.chart" . }}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels of one component; pass (dict "root" $ "component" "operator").
They never change between upgrades, because a Deployment's selector is immutable.
*/}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "switchboard.componentLabels" -}}
{{ include "switchboard.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "switchboard.operator.fullname" -}}
{{- printf "%s-operator" (include "switchboard.fullname" .) }}
{{- end }}

{{- define "switchboard.gateway.fullname" -}}
{{- printf "%s-gateway" (include "switchboard.fullname" .) }}
{{- end }}

{{- define "switchboard.gateway.adminServiceName" -}}
{{- printf "%s-gateway-admin" (include "switchboard.fullname" .) }}
{{- end }}

{{- define "switchboard.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "switchboard.operator.fullname" .) .Values.operator.serviceAccount.name }}
{{- else }}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "switchboard.gateway.serviceAccountName" -}}
{{- if .Values.gateway.serviceAccount.create }}
{{- default (include "switchboard.gateway.fullname" .) .Values.gateway.serviceAccount.name }}
{{- else }}
{{- required "gateway.serviceAccount.name is required when gateway.serviceAccount.create is false" .Values.gateway.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "switchboard.operator.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) }}
{{- end }}

{{- define "switchboard.gateway.image" -}}
{{- printf "%s:%s" .Values.gateway.image.repository (default .Chart.AppVersion .Values.gateway.image.tag) }}
{{- end }}

{{/*
Namespaces the operator watches in namespaced mode: the release namespace first, then the
configured extra ones, without duplicates.
*/}}
{{- define "switchboard.operator.watchNamespaces" -}}
{{- $namespaces := list .Release.Namespace }}
{{- range .Values.operator.watchNamespaces }}
{{- $namespaces = append $namespaces . }}
{{- end }}
{{- $namespaces | uniq | join "," }}
{{- end }}

{{/*
Pod-level security context meeting the "restricted" Pod Security Standard.
Not taken from values on purpose: the chart's promise is that it cannot be weakened by accident.
*/}}
{{- define "switchboard.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsUser }}
fsGroup: {{ .Values.runAsUser }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Container-level security context: "restricted" plus a read-only root filesystem.
*/}}
{{- define "switchboard.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsUser }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The gateway Deployment's "replicas:" line, or nothing. Without autoscaling: gateway.replicaCount.
With it: the count of the live Deployment when one is given (.live: what lookup returned on an
upgrade, an empty map otherwise), so that switching autoscaling on, and every later upgrade, leave
the running replicas alone; nothing when there is none (a new install: the HPA sets it).
Takes (dict "root" . "live" $liveDeployment).
*/}}
{{- define "switchboard.gateway.replicas" -}}
{{- if not .root.Values.gateway.autoscaling.enabled }}
replicas: {{ .root.Values.gateway.replicaCount }}
{{- else }}
{{- $liveReplicas := dig "spec" "replicas" "" (.live | default dict) }}
{{- if ne (toString $liveReplicas) "" }}
replicas: {{ $liveReplicas | int }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The operator's permissions in a namespace it watches (or cluster-wide when opted in).
Exactly the verbs it uses; never a wildcard. The Lease rule is separate: leader election
happens in the release namespace only.
*/}}
{{- define "switchboard.operator.watchRules" -}}
# Read the four kinds. The operator never writes spec: defaults live in the CRD schema.
- apiGroups: ["switchboard.dev"]
  resources: ["providerendpoints", "routingpolicies", "modelroutes", "consumers"]
  verbs: ["get", "list", "watch"]
# Status goes through the subresource only (no perpetual diffs for GitOps tools).
- apiGroups: ["switchboard.dev"]
  resources: ["providerendpoints/status", "routingpolicies/status", "modelroutes/status", "consumers/status"]
  verbs: ["get", "update", "patch"]
# The only write to a ModelRoute outside /status: once the controller has acted on them (and
# recorded the decision in status), it removes the switchboard.dev/promote, switchboard.dev/abort
# (manual canary promotion or rollback, issue 6) and switchboard.dev/retry (start a rolled-back
# canary again) annotations. RBAC cannot scope a patch to metadata; the operator's patch changes
# metadata.annotations only, never spec.
- apiGroups: ["switchboard.dev"]
  resources: ["modelroutes"]
  verbs: ["patch"]
# ConfigMap switchboard-routing (and its shards, the evaluation and drift ConfigMaps) is rendered
# here.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
# Users' Secrets are read (API keys, consumer keys). The operator writes only Secrets
# switchboard-provider-keys and switchboard-consumer-keys (key hashes only), by create and update
# (PUT), never patch: "create" cannot be limited by resourceNames (the authorizer does not know
# the name before the object exists), "update" can, so it may overwrite no other Secret.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create"]
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: ["switchboard-provider-keys", "switchboard-consumer-keys"]
  verbs: ["update"]
# The only thing the operator deletes: the shards of a routing table too large for one ConfigMap,
# once no longer used. A namespace whose last ModelRoute goes gets an empty table instead of none
# (gateways keep serving a deleted one), so the table, the keys and the consumer table are never
# deleted by the operator.
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames: ["switchboard-routing-0", "switchboard-routing-1", "switchboard-routing-2", "switchboard-routing-3", "switchboard-routing-4", "switchboard-routing-5", "switchboard-routing-6", "switchboard-routing-7"]
  verbs: ["delete"]
# Kubernetes Events for condition transitions: each one is a new Event (EventRecorder), never a
# patch of an earlier one.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
# Canary analysis scrapes the gateway pods' /metrics, found through the gateway admin Service's
# EndpointSlices, selected by their kubernetes.io/service-name label (issue 6); the Service itself
# is never read.
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch"]
{{- end }}

{{/*
The shared state store URL the gateway gets: gateway.stateStore.url when set, else the bundled
Redis when redis.enabled, else empty (each replica counts alone).
*/}}
{{- define "switchboard.stateStore.url" -}}
{{- if .Values.gateway.stateStore.url -}}
{{- .Values.gateway.stateStore.url -}}
{{- else if .Values.redis.enabled -}}
{{- printf "redis://%s-redis:%d" (include "switchboard.fullname" .) (int .Values.redis.port) -}}
{{- end -}}
{{- end }}

{{/*
A component's topologySpreadConstraints as a YAML list: each entry as given, and one without a
labelSelector gets the component's selector labels (values cannot name the release's labels).
Takes (dict "root" $ "component" "gateway" "constraints" .Values.gateway.topologySpreadConstraints).
*/}}
{{- define "switchboard.topologySpreadConstraints" -}}
{{- $selector := include "switchboard.selectorLabels" (dict "root" .root "component" .component) | fromYaml }}
{{- $constraints := list }}
{{- range .constraints }}
{{- $constraint := deepCopy . }}
{{- if not (hasKey $constraint "labelSelector") }}
{{- $_ := set $constraint "labelSelector" (dict "matchLabels" $selector) }}
{{- end }}
{{- $constraints = append $constraints $constraint }}
{{- end }}
{{- toYaml $constraints }}
{{- end }}

{{/*
Fails the render when a password would land in the gateway's pod spec in clear (readable by
whoever may read Deployments or Pods: the "view" role, Argo CD's UI, kubectl describe): a URL
with user:password@, or a password= parameter (the Redis client reads one), in gateway.extraArgs
(--state-store=URL or --state-store URL alike; any flag), in gateway.stateStore.url (whose
user:password@ the schema already refuses), or in an extraEnv SWITCHBOARD_STATE_STORE, and a
literal SWITCHBOARD_STATE_STORE_PASSWORD value in extraEnv. The message names the value's place,
never the value.
*/}}
{{- define "switchboard.gateway.refusePasswordsInClear" -}}
{{- $use := "put the password in a Secret and name it in gateway.stateStore.passwordSecretRef (the gateway reads it from SWITCHBOARD_STATE_STORE_PASSWORD), and the store URL without it in gateway.stateStore.url" }}
{{- $userinfo := "://[^@]*:[^@]*@" }}
{{- $parameter := "(?i)[?&]password=" }}
{{- range $i, $arg := .Values.gateway.extraArgs }}
{{- if or (regexMatch $userinfo $arg) (regexMatch $parameter $arg) }}
{{- fail (printf "gateway.extraArgs[%d] holds a password (a URL with user:password@ or a password= parameter): extra args are rendered into the pod spec in clear, where whoever may read Deployments or Pods sees them; %s" $i $use) }}
{{- end }}
{{- end }}
{{- if regexMatch $parameter .Values.gateway.stateStore.url }}
{{- fail (printf "gateway.stateStore.url holds a password (a password= parameter): the URL is rendered into the pod spec in clear; %s" $use) }}
{{- end }}
{{- range $i, $env := .Values.gateway.extraEnv }}
{{- if and (eq $env.name "SWITCHBOARD_STATE_STORE_PASSWORD") (hasKey $env "value") }}
{{- fail (printf "gateway.extraEnv[%d] sets SWITCHBOARD_STATE_STORE_PASSWORD to a literal value, which is rendered into the pod spec in clear; %s" $i $use) }}
{{- end }}
{{- if and (eq $env.name "SWITCHBOARD_STATE_STORE") (or (regexMatch $userinfo (toString $env.value)) (regexMatch $parameter (toString $env.value))) }}
{{- fail (printf "gateway.extraEnv[%d] (SWITCHBOARD_STATE_STORE) holds a password (a URL with user:password@ or a password= parameter), which is rendered into the pod spec in clear; %s" $i $use) }}
{{- end }}
{{- end }}
{{- end }}
