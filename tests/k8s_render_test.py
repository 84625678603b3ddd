#!/usr/bin/env python3
"""Renders every k8s overlay, k8s/monitoring and k8s/jobs with `kubectl
kustomize` and checks the invariants an SRE relies on, on the rendered
objects (properties, not file contents):

- every pod passes Pod Security "restricted" (non-root, RuntimeDefault
  seccomp, no privilege escalation, all capabilities dropped, no host
  namespaces, ports or paths), has a read-only root filesystem, requests and
  limits, liveness, readiness and startup probes (native gRPC probes on the
  gRPC services; a SCIM StatefulSet's startup probe allows 5 minutes for a
  RocksDB open), its own ServiceAccount without an automounted token, flags
  from a ConfigMap; the namespaces enforce, audit and warn `restricted`;
- every workload has a PodDisruptionBudget: a single replica may be evicted
  (maxUnavailable 1, never a budget that blocks node drains), a replicated
  one keeps a pod; the edge runs >= 2 replicas (HPA too) and rolls out with
  maxUnavailable 0;
- the Ingress (class nginx) routes only the public prefixes (/t/, /oauth/,
  /.well-known/, /admin/) and never /metrics, /healthz or /readyz; what it
  routes to sleeps in preStop, drains within SCIM_DRAIN_TIMEOUT inside its
  terminationGracePeriodSeconds, and keeps idle connections longer than
  ingress-nginx (60 s);
- a StatefulSet's serviceName is a headless Service (publishNotReadyAddresses)
  and a ClusterIP Service serves its clients;
- Redis has a bounded, evicting memory (maxmemory under its memory limit,
  allkeys-*) and a fully pinned image; prod pins every image;
- every SCIM_*_ADDR / SCIM_REDIS a pod dials is admitted by the target's
  NetworkPolicy (audit-service -> token-service among them); namespace
  `monitoring` reaches every metrics port;
- k8s/monitoring: its PodMonitors select every SCIM workload by a port that
  exists and is admitted; every alert has a runbook_url whose section exists
  in k8s/RUNBOOK.md; the alerts cover the required conditions; alerts and
  the dashboard use only metrics the C++ exports, external exporters'
  metrics (or PENDING_METRICS, empty now); per-tenant panels use topk;
- k8s/jobs: the scimctl Job is restricted, never retried, cleaned up,
  labelled as an internal client, reaches every server it names (and etcd
  where prod has it), and reads the admin token from the Secret the services
  mount; k8s/README.md's in-cluster scimctl commands all name identity-service
  (--identity_server) or the shard map (--etcd); k8s/jobs/restore: the
  restore Job is restricted, never retried, never beside a running pod of the
  service it restores, reads a backup from the backup claim (read-only) and
  runs `backup restore --only=...` into a StatefulSet's data claim;
- backups (base, prod): a CronJob, never two at once, runs `scimctl backup
  create` then `backup verify --id=` of that backup, and only then prunes
  from `backup list`; it mounts the backup PersistentVolumeClaim, runs as the
  other jobs do (restricted, internal client, the services' admin Secret and
  image) and reaches every server it dials (etcd when sharded);
- shards (prod): etcd runs 3 members with required anti-affinity across
  nodes, a PodDisruptionBudget of minAvailable 2, a headless Service for its
  peers and a client Service; only identity-service, scim-edge, scimctl and
  the backup Job reach its client port and only members its peer port;
  identity-service's replicas equal ConfigMap identity-shards' data.count, a
  ValidatingAdmissionPolicy (bound, Deny, that ConfigMap as its param)
  covers statefulsets and statefulsets/scale updates, each shard advertises
  its own pod's name under the headless Service, and identity-service,
  scim-edge and the backups find the shards through SCIM_ETCD (the edge
  without SCIM_IDENTITY_ADDR); dev stays one scimd without etcd.

Exit 77 (skipped) when kubectl is not installed.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
K8S = os.path.join(ROOT, "k8s")
failures = []

# ingress-nginx's default upstream keep-alive timeout (upstream-keepalive-timeout).
PROXY_KEEP_ALIVE_SECONDS = 60
PUBLIC_PATHS = ["/t/acme/scim/v2/Users", "/oauth/token", "/.well-known/jwks.json",
                "/admin/", "/admin/api/tenants"]
INTERNAL_PATHS = ["/metrics", "/healthz", "/readyz", "/"]
PSS_LABELS = {"pod-security.kubernetes.io/enforce": "restricted",
              "pod-security.kubernetes.io/enforce-version": "latest",
              "pod-security.kubernetes.io/audit": "restricted",
              "pod-security.kubernetes.io/warn": "restricted"}
# Volume types Pod Security "restricted" allows.
# Kinds kustomize does not know are cluster-scoped (it writes a namespace the
# API server drops).
CLUSTER_SCOPED = {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
PSS_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
               "persistentVolumeClaim", "projected", "secret"}
# Metrics the alerts and dashboard may use before the C++ exports them
# (none now: every name they use is registered in the sources).
PENDING_METRICS = {}
# Other exporters' metrics (kubelet, ingress-nginx, Prometheus itself).
EXTERNAL_METRIC = re.compile(r"^(kubelet_volume_stats_\w+|nginx_ingress_controller_\w+|up)$")
# Each required alert condition: a metric its expression must use.
REQUIRED_ALERTS = {
    "5xx ratio": r'scim_http_requests_total\{[^}]*status=~"5',
    "p99 latency": r"histogram_quantile\(0\.99.*scim_http_request_duration_seconds_bucket",
    "audit outbox lag": r"scim_audit_outbox_depth",
    "webhook delivery lag": r"scim_webhook_lag_seconds",
    "Redis down": r"scim_redis_up",
    "audit chain verification failure": r"scim_audit_chain_verify_failures_total",
    "disk nearly full": r"kubelet_volume_stats_available_bytes",
    "certificate expiry": r"expir\w*_(time|timestamp)_seconds",
}


def check(ok, what):
    if not ok:
        failures.append(what)


def render(path):
    out = subprocess.run(["kubectl", "kustomize", path], capture_output=True, text=True)
    if out.returncode != 0:
        failures.append(f"{path}: kubectl kustomize failed: {out.stderr[:500]}")
        return []
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def named(objs, kind):
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def selects(selector, labels):
    """A Service selector or a LabelSelector (matchLabels/matchExpressions)."""
    if selector is None:
        return False
    if "matchLabels" in selector or "matchExpressions" in selector:
        for e in selector.get("matchExpressions", []):
            v = labels.get(e["key"])
            op = e["operator"]
            if (op == "In" and v not in e["values"]) or \
               (op == "NotIn" and v in e["values"]) or \
               (op == "Exists" and v is None) or (op == "DoesNotExist" and v is not None):
                return False
        selector = selector.get("matchLabels", {})
    return all(labels.get(k) == v for k, v in selector.items())


def seconds(duration):
    """A Go/absl duration ("75s", "1m30s", "500ms") in seconds, or None."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration or "")
    if not parts or "".join(n + u for n, u in parts) != duration:
        return None
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def quantity_bytes(q):
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|k|M|G|kb|mb|gb)?", str(q), re.IGNORECASE)
    if not m:
        return None
    unit = (m.group(2) or "")
    scale = {"": 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "k": 1000,
             "M": 10**6, "G": 10**9, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}
    return int(m.group(1)) * scale.get(unit, scale.get(unit.lower(), 1))


def workloads(objs):
    return [o for o in objs if o["kind"] in ("Deployment", "StatefulSet", "Job")]


def is_scim(w):
    """Runs one of our binaries (not Redis)."""
    return any("scim" in c["image"] for c in w["spec"]["template"]["spec"]["containers"])


def pod_labels(w):
    return w["spec"]["template"]["metadata"].get("labels", {})


def config_env(pod, objs):
    """The SCIM_* variables a pod gets from its ConfigMaps and env."""
    env = {}
    configmaps = named(objs, "ConfigMap")
    for c in pod["containers"]:
        for e in c.get("envFrom", []):
            if "configMapRef" in e:
                env.update(configmaps.get(e["configMapRef"]["name"], {}).get("data", {}))
        for e in c.get("env", []):
            if "value" in e:
                env[e["name"]] = e["value"]
    return env


def check_restricted(name, pod):
    """Pod Security Standards, level restricted."""
    psc = pod.get("securityContext", {})
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        check(not pod.get(key), f"{name}: {key}")
    for v in pod.get("volumes", []):
        kinds = set(v) - {"name"}
        check(kinds <= PSS_VOLUMES, f"{name}: volume {v['name']} of a type restricted forbids")
    check(not psc.get("sysctls"), f"{name}: sysctls")
    containers = pod["containers"] + pod.get("initContainers", [])
    for c in containers:
        cname = f"{name}/{c['name']}"
        sc = c.get("securityContext", {})
        check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, f"{cname}: runAsNonRoot")
        check(sc.get("runAsUser", psc.get("runAsUser")) != 0, f"{cname}: runAsUser 0")
        seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
        check(seccomp in ("RuntimeDefault", "Localhost"), f"{cname}: seccompProfile RuntimeDefault")
        check(sc.get("allowPrivilegeEscalation") is False, f"{cname}: allowPrivilegeEscalation")
        check(not sc.get("privileged"), f"{cname}: privileged")
        caps = sc.get("capabilities", {})
        check("ALL" in caps.get("drop", []), f"{cname}: drop ALL")
        check(set(caps.get("add", [])) <= {"NET_BIND_SERVICE"}, f"{cname}: capabilities added")
        check(sc.get("procMount", "Default") == "Default", f"{cname}: procMount")
        check(all("hostPort" not in p for p in c.get("ports", [])), f"{cname}: hostPort")
        check(sc.get("readOnlyRootFilesystem") is True, f"{cname}: readOnlyRootFilesystem")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                check(r in res.get(kind, {}), f"{cname}: resources.{kind}.{r}")


def policies_for(labels, objs):
    return [p for p in named(objs, "NetworkPolicy").values()
            if selects(p["spec"].get("podSelector", {}), labels)]


def admits(objs, target_labels, port, namespace=None, from_labels=None):
    """Whether some NetworkPolicy selecting the target admits a peer (pods
    with from_labels in the same namespace, or any pod of `namespace`) on
    `port`."""
    for p in policies_for(target_labels, objs):
        for rule in p["spec"].get("ingress", []):
            ports = [x.get("port") for x in rule.get("ports", [])]
            if ports and port not in ports:
                continue
            for peer in rule.get("from", [{}]):
                if from_labels is not None and "podSelector" in peer and \
                        "namespaceSelector" not in peer and \
                        selects(peer["podSelector"], from_labels):
                    return True
                if namespace is not None and "namespaceSelector" in peer and \
                        "podSelector" not in peer and selects(
                            peer["namespaceSelector"],
                            {"kubernetes.io/metadata.name": namespace}):
                    return True
    return False


def service_target(objs, host, port):
    """(pod labels, container port) behind Service `host` port `port`."""
    svc = named(objs, "Service").get(host.split(".")[0])
    if svc is None:
        return None
    for sp in svc["spec"]["ports"]:
        if sp["port"] != port:
            continue
        for w in workloads(objs):
            labels = pod_labels(w)
            if not selects(svc["spec"]["selector"], labels):
                continue
            target = sp.get("targetPort", sp["port"])
            for c in w["spec"]["template"]["spec"]["containers"]:
                for cp in c.get("ports", []):
                    if target in (cp.get("name"), cp["containerPort"]):
                        return labels, cp["containerPort"]
    return None


def check_calls(where, caller, labels, addresses, objs):
    """Every address the pod dials is a Service whose pods admit it."""
    for addr in addresses:
        m = re.fullmatch(r"(?:redis://|http://)?([a-z0-9.-]+):(\d+)", addr)
        if not m:
            failures.append(f"{where}: {caller} dials {addr}: not host:port")
            continue
        target = service_target(objs, m.group(1), int(m.group(2)))
        check(target is not None, f"{where}: {caller} dials {addr}: no such Service port")
        if target:
            check(admits(objs, target[0], target[1], from_labels=labels),
                  f"{where}: {caller} dials {addr}: its NetworkPolicy does not admit {caller}")


def path_matches(prefix, request):
    """Ingress pathType Prefix: element-wise, trailing slash ignored."""
    p = [e for e in prefix.split("/") if e]
    r = [e for e in request.split("/") if e]
    return r[:len(p)] == p


def check_ingress(overlay, objs):
    ingresses = named(objs, "Ingress")
    check(len(ingresses) == 1, f"{overlay}: one Ingress")
    services = named(objs, "Service")
    served = []
    for ing in ingresses.values():
        spec = ing["spec"]
        check(spec.get("ingressClassName") == "nginx", f"{overlay}: Ingress ingressClassName nginx")
        check(all(t.get("secretName") for t in spec.get("tls", [])) and spec.get("tls"),
              f"{overlay}: Ingress TLS from a Secret")
        paths = [p for rule in spec["rules"] for p in rule["http"]["paths"]]
        for path in paths:
            check(path.get("pathType") == "Prefix", f"{overlay}: Ingress path {path['path']} Prefix")
            backend = path["backend"]["service"]["name"]
            check(backend in services, f"{overlay}: Ingress backend {backend}")
            if backend in services:
                served.append(services[backend])
        for request in PUBLIC_PATHS:
            check(any(path_matches(p["path"], request) for p in paths),
                  f"{overlay}: Ingress does not route public {request}")
        for request in INTERNAL_PATHS:
            check(not any(path_matches(p["path"], request) for p in paths),
                  f"{overlay}: Ingress exposes {request} publicly")
    return served


def check_edge(overlay, w, objs):
    """What the Ingress routes to: rollouts and scale-downs drop nothing."""
    name = f"{overlay}/{w['kind']}/{w['metadata']['name']}"
    pod = w["spec"]["template"]["spec"]
    env = config_env(pod, objs)
    drain = seconds(env.get("SCIM_DRAIN_TIMEOUT"))
    check(drain is not None, f"{name}: SCIM_DRAIN_TIMEOUT set (a duration)")
    keep_alive = seconds(env.get("SCIM_HTTP_KEEP_ALIVE_TIMEOUT"))
    check(keep_alive is not None and keep_alive > PROXY_KEEP_ALIVE_SECONDS,
          f"{name}: SCIM_HTTP_KEEP_ALIVE_TIMEOUT longer than the proxy's "
          f"{PROXY_KEEP_ALIVE_SECONDS} s, got {env.get('SCIM_HTTP_KEEP_ALIVE_TIMEOUT')}")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    for c in pod["containers"]:
        cname = f"{name}/{c['name']}"
        command = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        sleep = None
        if len(command) == 2 and command[0] == "/bin/sleep" and command[1].isdigit():
            sleep = int(command[1])
        check(sleep is not None and sleep >= 5,
              f"{cname}: preStop exec [/bin/sleep, N >= 5] while endpoints drop out, got {command}")
        check("startupProbe" in c, f"{cname}: startupProbe")
        if sleep is not None and drain is not None:
            check(grace >= sleep + drain + 5,
                  f"{cname}: terminationGracePeriodSeconds {grace} < preStop {sleep} s "
                  f"+ drain {drain:g} s + 5 s margin")
    if w["kind"] == "Deployment":
        check(w["spec"].get("replicas", 1) >= 2, f"{name}: at least 2 replicas")
        rolling = w["spec"].get("strategy", {}).get("rollingUpdate", {})
        check(rolling.get("maxUnavailable") in (0, "0%"),
              f"{name}: rollingUpdate.maxUnavailable 0 (no capacity lost in a rollout)")
        hpas = [h for h in named(objs, "HorizontalPodAutoscaler").values()
                if h["spec"]["scaleTargetRef"]["name"] == w["metadata"]["name"]]
        check(hpas and all(h["spec"].get("minReplicas", 1) >= 2 for h in hpas),
              f"{name}: an HPA with minReplicas >= 2")


def check_pdb(where, w, objs):
    labels = pod_labels(w)
    pdbs = [p for p in named(objs, "PodDisruptionBudget").values()
            if selects(p["spec"]["selector"], labels)]
    check(len(pdbs) == 1, f"{where}: one PodDisruptionBudget, got {len(pdbs)}")
    replicas = w["spec"].get("replicas", 1)
    for p in pdbs:
        spec = p["spec"]
        if replicas == 1:
            # A budget a single pod cannot meet blocks every node drain.
            check(spec.get("maxUnavailable") == 1 or spec.get("minAvailable") == 0,
                  f"{where}: one replica: its PDB must allow one eviction (maxUnavailable: 1)")
        else:
            keeps = ("minAvailable" in spec and int(spec["minAvailable"]) >= 1) or \
                    ("maxUnavailable" in spec and int(spec["maxUnavailable"]) < replicas)
            check(keeps, f"{where}: its PDB must keep a pod available")


def check_workload(overlay, obj, objs):
    name = f"{overlay}/{obj['kind']}/{obj['metadata']['name']}"
    pod = obj["spec"]["template"]["spec"]
    labels = pod_labels(obj)
    check_restricted(name, pod)
    check(pod.get("automountServiceAccountToken") is False,
          f"{name}: automountServiceAccountToken must be false")
    sa = pod.get("serviceAccountName")
    check(sa in named(objs, "ServiceAccount"), f"{name}: ServiceAccount {sa}")
    configmaps = named(objs, "ConfigMap")
    for c in pod["containers"]:
        cname = f"{name}/{c['name']}"
        probes = ("livenessProbe", "readinessProbe") + \
            (("startupProbe",) if obj["kind"] == "StatefulSet" else ())
        for probe in probes:
            check(probe in c, f"{cname}: {probe}")
        if "scim" in c["image"]:
            refs = [e["configMapRef"]["name"] for e in c.get("envFrom", [])
                    if "configMapRef" in e]
            check(refs and all(r in configmaps for r in refs),
                  f"{cname}: flags from a rendered ConfigMap")
            if c["name"] != "scim-edge":
                check("grpc" in c.get("livenessProbe", {}) and
                      "grpc" in c.get("readinessProbe", {}),
                      f"{cname}: native gRPC probes")
        if overlay == "prod":
            check(not c["image"].endswith(":latest") and ":" in c["image"],
                  f"{cname}: pinned image tag, got {c['image']}")
        if obj["kind"] == "StatefulSet" and "scim" in c["image"]:
            startup = c.get("startupProbe", {})
            check("grpc" in startup and
                  startup["grpc"].get("port") == c.get("livenessProbe", {}).get("grpc", {}).get("port"),
                  f"{cname}: startupProbe is the liveness gRPC health check")
            budget = startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3)
            check(budget >= 300, f"{cname}: startupProbe allows {budget} s, not 5 minutes")
        if re.match(r"^(docker\.io/)?(library/)?redis:", c["image"]):
            check_redis(cname, c)
    if obj["kind"] == "StatefulSet":
        claims = [t["metadata"]["name"] for t in obj["spec"].get("volumeClaimTemplates", [])]
        check(claims, f"{name}: volumeClaimTemplates")
        mounts = [m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])]
        check(all(cl in mounts for cl in claims), f"{name}: claim mounted")
        services = named(objs, "Service")
        headless = services.get(obj["spec"].get("serviceName"))
        check(headless is not None and headless["spec"].get("clusterIP") == "None" and
              headless["spec"].get("publishNotReadyAddresses") is True and
              selects(headless["spec"]["selector"], labels),
              f"{name}: serviceName {obj['spec'].get('serviceName')} must be a headless "
              f"Service (clusterIP None, publishNotReadyAddresses) selecting its pods")
        check(any(s["spec"].get("clusterIP") != "None" and selects(s["spec"]["selector"], labels)
                  for s in services.values()),
              f"{name}: a ClusterIP Service for its clients")
    check(policies_for(labels, objs), f"{name}: a NetworkPolicy of its own")
    check_pdb(name, obj, objs)
    # Metrics: Prometheus in `monitoring` reaches the port it scrapes.
    annotations = obj["spec"]["template"]["metadata"].get("annotations", {})
    port = annotations.get("prometheus.io/port")
    check(port is not None or not is_scim(obj), f"{name}: prometheus.io/port (where its metrics are)")
    if port is not None:
        check(admits(objs, labels, int(port), namespace="monitoring"),
              f"{name}: namespace monitoring not admitted to metrics port {port}")
    env = config_env(pod, objs)
    dials = [v for k, v in env.items() if re.fullmatch(r"SCIM_\w+_ADDR", k) and
             not re.fullmatch(r"SCIM_(GRPC|HTTP|METRICS|ADVERTISE)_ADDR", k)]
    if "SCIM_REDIS" in env:
        dials.append(env["SCIM_REDIS"])
    dials += etcd_endpoints(env.get("SCIM_ETCD"))
    check_calls(overlay, obj["metadata"]["name"], labels, dials, objs)


def etcd_endpoints(value):
    """SCIM_ETCD / --etcd: "http://host:port[,host:port...]" as host:port each."""
    if not value:
        return []
    return [e if e.startswith("http://") else "http://" + e for e in value.split(",")]


def check_redis(cname, c):
    tag = c["image"].rsplit(":", 1)[-1]
    check(re.match(r"^\d+\.\d+\.\d+", tag) is not None,
          f"{cname}: Redis image pinned to a full version, got {c['image']}")
    args = c.get("args", []) + c.get("command", [])
    opts = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
    maxmemory = quantity_bytes(opts.get("--maxmemory", ""))
    check(maxmemory, f"{cname}: --maxmemory bounds Redis")
    check(opts.get("--maxmemory-policy", "").startswith("allkeys-"),
          f"{cname}: --maxmemory-policy allkeys-* (everything in it may be evicted)")
    limit = quantity_bytes(c.get("resources", {}).get("limits", {}).get("memory", ""))
    if maxmemory and limit:
        check(limit >= maxmemory * 5 // 4,
              f"{cname}: memory limit {limit} leaves no room above maxmemory {maxmemory}")


def check_overlay(overlay):
    objs = render(os.path.join(K8S, "overlays", overlay))
    if not objs:
        return []
    ws = workloads(objs)
    for w in ws:
        check_workload(overlay, w, objs)
    labels = [pod_labels(w) for w in ws]
    for name, svc in named(objs, "Service").items():
        check(any(selects(svc["spec"]["selector"], l) for l in labels),
              f"{overlay}: Service {name} selects a workload")
    for name, pdb in named(objs, "PodDisruptionBudget").items():
        check(any(selects(pdb["spec"]["selector"], l) for l in labels),
              f"{overlay}: PodDisruptionBudget {name} selects a workload")
    policies = named(objs, "NetworkPolicy")
    check(any(p["spec"]["podSelector"] == {} and "ingress" not in p["spec"] and
              "Ingress" in p["spec"]["policyTypes"] for p in policies.values()),
          f"{overlay}: default-deny NetworkPolicy")
    served = check_ingress(overlay, objs)
    edges = [w for w in ws if any(selects(s["spec"]["selector"], pod_labels(w)) for s in served)]
    for w in edges:
        check_edge(overlay, w, objs)
    namespaces = named(objs, "Namespace")
    check(len(namespaces) == 1, f"{overlay}: one Namespace")
    for ns in namespaces.values():
        got = ns["metadata"].get("labels", {})
        for k, v in PSS_LABELS.items():
            check(got.get(k) == v, f"{overlay}: Namespace label {k}={v}")
        check(all(o["metadata"].get("namespace") == ns["metadata"]["name"]
                  for o in objs if o["kind"] != "Namespace" and o["kind"] not in CLUSTER_SCOPED),
              f"{overlay}: everything in namespace {ns['metadata']['name']}")
    names = {w["metadata"]["name"]: w["kind"] for w in ws}
    if overlay == "dev":
        check(names == {"scimd": "StatefulSet"}, f"dev: one scimd StatefulSet, got {names}")
        check(not any(o["kind"] in CLUSTER_SCOPED or o["kind"] == "CronJob" for o in objs),
              "dev: no shard guard and no backup CronJob (one scimd)")
    if overlay == "prod":
        for svc in ("identity-service", "audit-service", "token-service"):
            check(names.get(svc) == "StatefulSet", f"prod: {svc} StatefulSet")
        check(names.get("scim-edge") == "Deployment", "prod: scim-edge Deployment")
        check("scimd" not in names, "prod: no scimd")
        check_shards(objs)
        check_backups(overlay, objs)
    expected_edge = {"dev": {"scimd"}, "prod": {"scim-edge"}}.get(overlay)
    if expected_edge:
        check({w["metadata"]["name"] for w in edges} == expected_edge,
              f"{overlay}: the Ingress routes to {expected_edge}")
    return objs


# --- shards and backups -------------------------------------------------

# What may dial etcd's client port, and a pod that must not (an internal
# client that is none of them).
ETCD_CLIENTS = ["identity-service", "scim-edge", "scimctl", "scim-backup"]
NOT_ETCD_CLIENT = {"app.kubernetes.io/name": "billing", "scim.io/internal-client": "true"}


def container_env(c):
    return {e["name"]: e for e in c.get("env", [])}


def check_shards(objs):
    """prod: etcd holds the shard map; identity-service runs one shard per
    replica, exactly as many as ConfigMap identity-shards records."""
    sts = named(objs, "StatefulSet")
    etcd = sts.get("etcd")
    check(etcd is not None, "prod: an etcd StatefulSet")
    if etcd:
        labels = pod_labels(etcd)
        pod = etcd["spec"]["template"]["spec"]
        check(etcd["spec"].get("replicas") == 3, "prod: etcd runs 3 members")
        check(etcd["spec"].get("podManagementPolicy") == "Parallel",
              "prod: etcd members start together (podManagementPolicy Parallel)")
        anti = pod.get("affinity", {}).get("podAntiAffinity", {}) \
            .get("requiredDuringSchedulingIgnoredDuringExecution", [])
        check(any(t.get("topologyKey") == "kubernetes.io/hostname" and
                  selects(t.get("labelSelector"), labels) for t in anti),
              "prod: etcd members on different nodes (required podAntiAffinity on hostname)")
        pdbs = [p for p in named(objs, "PodDisruptionBudget").values()
                if selects(p["spec"]["selector"], labels)]
        check(len(pdbs) == 1 and pdbs[0]["spec"].get("minAvailable") == 2,
              "prod: etcd PodDisruptionBudget minAvailable 2 (quorum)")
        c = pod["containers"][0]
        image = c["image"]
        check(re.search(r":v\d+\.\d+\.\d+$", image) is not None,
              f"prod: etcd image pinned to a full version, got {image}")
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        check(ports.get("client") == 2379 and ports.get("peer") == 2380,
              "prod: etcd ports client 2379 and peer 2380")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            check(probe in c, f"prod: etcd {probe}")
        args = " ".join(c.get("args", []))
        headless = etcd["spec"]["serviceName"]
        check(f".{headless}." in args and "--initial-cluster=" in args,
              "prod: etcd peers named under its headless Service")
        for member in range(etcd["spec"].get("replicas", 0)):
            check(f"etcd-{member}=http://etcd-{member}.{headless}." in args,
                  f"prod: etcd --initial-cluster names member etcd-{member}")
        for name in ETCD_CLIENTS:
            check(admits(objs, labels, 2379, from_labels={"app.kubernetes.io/name": name}),
                  f"prod: etcd client port does not admit {name}")
        check(not admits(objs, labels, 2379, from_labels=NOT_ETCD_CLIENT),
              "prod: etcd client port admits any internal client, not only the SCIM ones")
        check(admits(objs, labels, 2380, from_labels=labels), "prod: etcd members reach each other's peer port")
        check(not admits(objs, labels, 2380, from_labels={"app.kubernetes.io/name": "scim-edge"}),
              "prod: etcd peer port admits non-members")
    # Every process that needs the map has SCIM_ETCD, and reaches it.
    configs = named(objs, "ConfigMap")
    for cm in ("scim-identity-config", "scim-edge-config", "scim-backup-config"):
        value = configs.get(cm, {}).get("data", {}).get("SCIM_ETCD")
        check(value and value.startswith("http://"), f"prod: {cm} sets SCIM_ETCD (http://...)")
    check("SCIM_IDENTITY_ADDR" not in configs.get("scim-edge-config", {}).get("data", {}),
          "prod: the edge routes by the shard map, not to SCIM_IDENTITY_ADDR")
    check("SCIM_IDENTITY_SERVER" not in configs.get("scim-backup-config", {}).get("data", {}),
          "prod: backups find the shards in etcd, not at SCIM_IDENTITY_SERVER")
    identity = sts.get("identity-service")
    shards = configs.get("identity-shards", {}).get("data", {}).get("count", "")
    check(shards.isdigit() and int(shards) >= 1, f"prod: ConfigMap identity-shards data.count, got {shards!r}")
    if identity and shards.isdigit():
        check(identity["spec"].get("replicas", 1) == int(shards),
              f"prod: identity-service replicas {identity['spec'].get('replicas', 1)} != "
              f"identity-shards count {shards}")
        check(int(shards) >= 2, "prod: identity-service runs as tenant shards (count >= 2)")
    if identity:
        c = identity["spec"]["template"]["spec"]["containers"][0]
        env = container_env(c)
        advertise = env.get("SCIM_ADVERTISE_ADDR", {}).get("value", "")
        grpc = {p["name"]: p["containerPort"] for p in c.get("ports", [])}.get("grpc")
        check(advertise == f"$(POD_NAME).{identity['spec']['serviceName']}.$(POD_NAMESPACE).svc:{grpc}",
              f"prod: identity-service advertises its pod under its headless Service, got {advertise!r}")
        names = list(env)
        for var, path in (("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace")):
            check(env.get(var, {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == path,
                  f"prod: identity-service {var} from the downward API")
            check(var in names and "SCIM_ADVERTISE_ADDR" in names and
                  names.index(var) < names.index("SCIM_ADVERTISE_ADDR"),
                  f"prod: {var} defined before SCIM_ADVERTISE_ADDR refers to it")
        check("SCIM_SHARD" not in env, "prod: the shard number is the pod's ordinal (no SCIM_SHARD)")
    # The guard: replicas follow the ConfigMap, through scale too.
    policies = named(objs, "ValidatingAdmissionPolicy")
    bindings = named(objs, "ValidatingAdmissionPolicyBinding")
    prod_ns = next((o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"), None)
    guards = []
    for name, vap in policies.items():
        spec = vap["spec"]
        rules = spec.get("matchConstraints", {}).get("resourceRules", [])
        covered = {r for rule in rules if "apps" in rule.get("apiGroups", [])
                   and {"UPDATE", "CREATE"} <= set(rule.get("operations", []))
                   for r in rule.get("resources", [])}
        exprs = " ".join(v.get("expression", "") for v in spec.get("validations", []) +
                         spec.get("variables", []))
        if {"statefulsets", "statefulsets/scale"} <= covered and \
                spec.get("paramKind", {}).get("kind") == "ConfigMap" and \
                "object.spec.replicas" in exprs and "params.data" in exprs and \
                any("identity-service" in m.get("expression", "")
                    for m in spec.get("matchConditions", [])) and \
                spec.get("failurePolicy", "Fail") == "Fail":
            guards.append(name)
    check(guards, "prod: a ValidatingAdmissionPolicy (failurePolicy Fail, ConfigMap params) "
                  "checks identity-service's replicas on statefulsets and statefulsets/scale "
                  "CREATE/UPDATE")
    bound = [b for b in bindings.values() if b["spec"].get("policyName") in guards]
    check(bound, "prod: the shard guard is bound")
    for b in bound:
        spec = b["spec"]
        check("Deny" in spec.get("validationActions", []), "prod: the shard guard denies")
        ref = spec.get("paramRef", {})
        check(ref.get("name") == "identity-shards" and ref.get("parameterNotFoundAction") == "Deny",
              "prod: the shard guard reads ConfigMap identity-shards and denies without it")
        check(ref.get("namespace") in (None, prod_ns), "prod: the shard guard's param in the prod namespace")
        check(selects(spec.get("matchResources", {}).get("namespaceSelector", {}),
                      {"kubernetes.io/metadata.name": prod_ns}),
              f"prod: the shard guard applies in namespace {prod_ns}")


def check_backups(overlay, objs):
    """The backup CronJob: create, verify that backup, then prune."""
    cronjobs = named(objs, "CronJob")
    check("scim-backup" in cronjobs, f"{overlay}: a scim-backup CronJob")
    if "scim-backup" not in cronjobs:
        return
    cj = cronjobs["scim-backup"]
    where = f"{overlay}/CronJob/scim-backup"
    check(cj["spec"].get("concurrencyPolicy") == "Forbid", f"{where}: concurrencyPolicy Forbid")
    job = cj["spec"]["jobTemplate"]["spec"]
    check(isinstance(job.get("activeDeadlineSeconds"), int), f"{where}: activeDeadlineSeconds")
    pod = job["template"]["spec"]
    labels = job["template"]["metadata"].get("labels", {})
    check_restricted(where, pod)
    check(pod.get("automountServiceAccountToken") is False, f"{where}: no service account token")
    check(pod.get("serviceAccountName") in named(objs, "ServiceAccount"), f"{where}: its ServiceAccount")
    check(labels.get("scim.io/internal-client") == "true", f"{where}: scim.io/internal-client label")
    claims = named(objs, "PersistentVolumeClaim")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    images = {x["spec"]["template"]["spec"]["containers"][0]["image"]
              for x in workloads(objs) if x["metadata"]["name"] == "identity-service"}
    admin_secrets = {v["secret"]["secretName"]
                     for w in workloads(objs) if w["metadata"]["name"] == "identity-service"
                     for v in w["spec"]["template"]["spec"].get("volumes", []) if "secret" in v}
    for c in pod["containers"]:
        check(c["image"] in images, f"{where}: the services' image, got {c['image']}")
        env = config_env(pod, objs)
        script = " ".join(c.get("command", []) + c.get("args", []))
        create = re.search(r'id=\$\("?\$?\w*"?\s*backup create --dir=', script) or \
            re.search(r"id=\$\(\S*scimctl\S*\s+backup create --dir=", script)
        verify = re.search(r'backup verify --dir=\S+ --id="?\$\{?id\}?"?', script)
        check(create and verify and create.start() < verify.start(),
              f"{where}: runs `backup create` (its id kept), then `backup verify --id=` of that id")
        check("set -e" in script, f"{where}: the script stops at the first failure (set -e)")
        prune = script.find("rm -rf --")
        listed = script.find("backup list")
        check(verify and listed > verify.start() and prune > listed,
              f"{where}: prunes only after the verify, from `backup list`")
        check(env.get("BACKUP_KEEP", "").isdigit() and int(env["BACKUP_KEEP"]) >= 1,
              f"{where}: BACKUP_KEEP >= 1")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        backup_vol = volumes.get(mounts.get(env.get("BACKUP_DIR", "")), {})
        claim = backup_vol.get("persistentVolumeClaim", {}).get("claimName")
        check(claim in claims, f"{where}: BACKUP_DIR {env.get('BACKUP_DIR')} on a rendered "
                               f"PersistentVolumeClaim, got {claim}")
        token = env.get("SCIM_ADMIN_TOKEN_FILE", "")
        check(any(os.path.dirname(token) == path and
                  volumes.get(vol, {}).get("secret", {}).get("secretName") in admin_secrets
                  for path, vol in mounts.items()),
              f"{where}: SCIM_ADMIN_TOKEN_FILE {token!r} from the services' admin Secret")
        check("SCIM_SERVER" in env and "SCIM_AUDIT_SERVER" in env and
              ("SCIM_IDENTITY_SERVER" in env or "SCIM_ETCD" in env),
              f"{where}: names token-service, audit-service and identity-service (or etcd)")
        dials = [env[k] for k in ("SCIM_SERVER", "SCIM_IDENTITY_SERVER", "SCIM_AUDIT_SERVER")
                 if k in env] + etcd_endpoints(env.get("SCIM_ETCD"))
        check_calls(overlay, "scim-backup", labels, dials, objs)
        # Every identity shard serves BackupService on its gRPC port.
        identity = next((w for w in workloads(objs) if w["metadata"]["name"] == "identity-service"), None)
        if identity:
            check(admits(objs, pod_labels(identity), 50052, from_labels=labels),
                  f"{where}: identity-service's pods (every shard) do not admit the backup Job")


def check_restore(prod):
    objs = render(os.path.join(K8S, "jobs", "restore"))
    jobs = named(objs, "Job")
    check(jobs, "jobs/restore: a Job")
    prod_ns = next((o["metadata"]["name"] for o in prod if o["kind"] == "Namespace"), None)
    prod_claims = named(prod, "PersistentVolumeClaim")
    templates = {f"{t['metadata']['name']}-{w['metadata']['name']}"
                 for w in workloads(prod) if w["kind"] == "StatefulSet" and is_scim(w)
                 for t in w["spec"].get("volumeClaimTemplates", [])}
    for name, job in jobs.items():
        where = f"jobs/restore/{name}"
        spec = job["spec"]
        pod = spec["template"]["spec"]
        check(job["metadata"].get("namespace") == prod_ns, f"{where}: in namespace {prod_ns}")
        check(spec.get("backoffLimit") == 0, f"{where}: backoffLimit 0")
        check(isinstance(spec.get("ttlSecondsAfterFinished"), int), f"{where}: ttlSecondsAfterFinished")
        check(pod.get("automountServiceAccountToken") is False, f"{where}: no service account token")
        check_restricted(where, pod)
        volumes = {v["name"]: v.get("persistentVolumeClaim", {}) for v in pod.get("volumes", [])}
        c = pod["containers"][0]
        script = " ".join(c.get("command", []) + c.get("args", []))
        check(re.search(r"backup restore --dir=\S+ --id=\S+\s*(\\\s*)?--data_dir=\S+ --only=", script),
              f"{where}: runs `backup restore ... --data_dir=... --only=...`")
        mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
        backups = mounts.get(re.search(r'backups=(\S+)', script).group(1) if "backups=" in script else "")
        check(backups and backups.get("readOnly") is True and
              volumes.get(backups["name"], {}).get("claimName") in prod_claims,
              f"{where}: reads the backup claim of prod, read-only")
        data = mounts.get(re.search(r'data=(\S+)', script).group(1) if "data=" in script else "")
        claim = volumes.get(data["name"], {}).get("claimName", "") if data else ""
        check(re.sub(r"-\d+$", "", claim) in templates,
              f"{where}: restores into a StatefulSet's data claim (data-<name>-<ordinal>), got {claim!r}")
        anti = pod.get("affinity", {}).get("podAntiAffinity", {}) \
            .get("requiredDuringSchedulingIgnoredDuringExecution", [])
        owner = re.sub(r"^[a-z0-9]+-", "", claim)  # data-identity-service-0: identity-service-0
        check(any(t.get("topologyKey") == "kubernetes.io/hostname" and
                  selects(t.get("labelSelector"), {"statefulset.kubernetes.io/pod-name": owner})
                  for t in anti),
              f"{where}: never beside the running pod {owner} that owns {claim} (required podAntiAffinity)")


# --- metrics the monitoring uses ----------------------------------------

def exported_metrics():
    """Metric names the C++ registers: "scim_..." literals, and GaugeHook
    families scim_<prefix>_<name>: a literal prefix, a {"name", value} pair."""
    literals = set()
    pairs = set()
    prefixes = set()
    skip = re.compile(r"^(build|bazel-|third_party|node_modules|\.)")
    for top in os.listdir(ROOT):
        if skip.match(top) or not os.path.isdir(os.path.join(ROOT, top)) or top == "tests":
            continue
        for d, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [x for x in dirs if not skip.match(x)]
            for f in files:
                if not f.endswith((".cc", ".h")) or f.endswith("_test.cc"):
                    continue
                text = open(os.path.join(d, f), encoding="utf-8", errors="replace").read()
                literals.update(re.findall(r'"(scim_[a-z0-9_]*)"', text))
                pairs.update(re.findall(r'\{"([a-z][a-z0-9_]*)",', text))
                prefixes.update(re.findall(
                    r'(?:GaugeHook>?\(|store_metrics_\()\s*"([a-z0-9_]+)"', text))
    names = set(literals)
    for p in prefixes:
        names.update(f"scim_{p}_{n}" for n in pairs)
    return names


PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
                "group_right", "offset", "bool", "inf", "nan"}


def promql_metrics(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\$\w+", " ", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        rest = e[m.end():].lstrip()
        word = m.group(0)
        if rest.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        if m.start() > 0 and (e[m.start() - 1].isdigit() or e[m.start() - 1] == "."):
            continue  # 14d, 1e3
        names.add(word)
    return names


def check_metric_names(where, exprs, exported):
    for expr in exprs:
        for name in promql_metrics(expr):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            known = name in exported or base in exported or EXTERNAL_METRIC.match(name) or \
                name in PENDING_METRICS
            check(known, f"{where}: metric {name} is neither exported by the C++, "
                         f"an external exporter's, nor in PENDING_METRICS")


def runbook_anchors():
    text = open(os.path.join(K8S, "RUNBOOK.md"), encoding="utf-8").read()
    anchors = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", text, re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


def check_monitoring(prod, dev):
    objs = render(os.path.join(K8S, "monitoring"))
    if not objs:
        return
    exported = exported_metrics()
    check("scim_http_requests_total" in exported, "metric scan found no scim_http_requests_total")
    prod_ns = next((o["metadata"]["name"] for o in prod if o["kind"] == "Namespace"), None)
    check(all(o["metadata"].get("namespace") == prod_ns for o in objs),
          f"monitoring: everything in the prod namespace {prod_ns}")
    monitors = named(objs, "PodMonitor")
    check(monitors, "monitoring: PodMonitors")
    for overlay, rendered in (("prod", prod), ("dev", dev)):
        for w in filter(is_scim, workloads(rendered)):
            labels = pod_labels(w)
            ports = {p.get("name"): p["containerPort"]
                     for c in w["spec"]["template"]["spec"]["containers"]
                     for p in c.get("ports", [])}
            matched = [m for m in monitors.values() if selects(m["spec"]["selector"], labels)]
            check(matched, f"monitoring: no PodMonitor scrapes {overlay}/{w['metadata']['name']}")
            for m in matched:
                for ep in m["spec"]["podMetricsEndpoints"]:
                    port = ports.get(ep.get("port"))
                    check(port is not None, f"monitoring: PodMonitor {m['metadata']['name']} port "
                          f"{ep.get('port')} not on {overlay}/{w['metadata']['name']}")
                    if port is not None:
                        check(admits(rendered, labels, port, namespace="monitoring"),
                              f"monitoring: {overlay}/{w['metadata']['name']} port {port} "
                              f"not admitted from namespace monitoring")
    anchors = runbook_anchors()
    exprs = []
    alerts = [r for rule in named(objs, "PrometheusRule").values()
              for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    check(alerts, "monitoring: alerts")
    for a in alerts:
        url = a.get("annotations", {}).get("runbook_url", "")
        check(re.match(r"^https://", url) and url.split("#", 1)[0].endswith("k8s/RUNBOOK.md"),
              f"monitoring: {a['alert']} runbook_url points at k8s/RUNBOOK.md, got {url!r}")
        fragment = url.split("#", 1)[1] if "#" in url else ""
        check(fragment in anchors, f"monitoring: {a['alert']}: no RUNBOOK.md section #{fragment}")
        check(a.get("labels", {}).get("severity") in ("warning", "critical"),
              f"monitoring: {a['alert']} severity")
        exprs.append(a["expr"])
    for what, pattern in REQUIRED_ALERTS.items():
        check(any(re.search(pattern, e, re.S) for e in exprs), f"monitoring: no alert for {what}")
    check_metric_names("monitoring: alerts", exprs, exported)
    dashboards = [cm for cm in named(objs, "ConfigMap").values()
                  if cm["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    check(dashboards, "monitoring: a Grafana dashboard ConfigMap (grafana_dashboard: \"1\")")
    for cm in dashboards:
        for key, text in cm.get("data", {}).items():
            try:
                dash = json.loads(text)
            except ValueError as e:
                failures.append(f"monitoring: dashboard {key} is not JSON: {e}")
                continue
            panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
            targets = [t["expr"] for p in panels for t in p.get("targets", [])]
            check(targets and all(t.strip() for t in targets), f"monitoring: {key} panels have queries")
            check_metric_names(f"monitoring: dashboard {key}", targets, exported)
            for t in targets:
                if re.search(r"\bby\s*\([^)]*\btenant\b", t):
                    check(re.match(r"^\s*(topk|bottomk)\s*\(", t),
                          f"monitoring: per-tenant query not bounded by topk: {t}")
            for what, metric in (("RocksDB", "scim_rocksdb_"), ("Redis", "scim_redis_up"),
                                 ("outbox", "scim_audit_outbox_depth"),
                                 ("per-tenant", "tenant"),
                                 ("RED per route", "by (route")):
                check(any(metric in t for t in targets), f"monitoring: dashboard lacks {what}")


def check_jobs(prod):
    objs = render(os.path.join(K8S, "jobs"))
    jobs = named(objs, "Job")
    check(jobs, "jobs: a Job")
    prod_ns = next((o["metadata"]["name"] for o in prod if o["kind"] == "Namespace"), None)
    admin_secrets = {v["secret"]["secretName"]
                     for w in workloads(prod) if w["metadata"]["name"] == "identity-service"
                     for v in w["spec"]["template"]["spec"].get("volumes", []) if "secret" in v}
    for name, job in jobs.items():
        where = f"jobs/{name}"
        spec = job["spec"]
        pod = spec["template"]["spec"]
        labels = pod_labels(job)
        check(job["metadata"].get("namespace") == prod_ns, f"{where}: in namespace {prod_ns}")
        check(spec.get("backoffLimit") == 0, f"{where}: backoffLimit 0 (never run twice)")
        check(isinstance(spec.get("ttlSecondsAfterFinished"), int), f"{where}: ttlSecondsAfterFinished")
        check(pod.get("automountServiceAccountToken") is False, f"{where}: no service account token")
        check(labels.get("scim.io/internal-client") == "true", f"{where}: scim.io/internal-client label")
        check_restricted(where, pod)
        for c in pod["containers"]:
            argv = c.get("command", []) + c.get("args", [])
            check(argv and argv[0].endswith("/scimctl"), f"{where}: runs scimctl")
            if prod:
                images = {x["spec"]["template"]["spec"]["containers"][0]["image"]
                          for x in workloads(prod) if x["metadata"]["name"] == "identity-service"}
                check(c["image"] in images, f"{where}: the services' image, got {c['image']}")
            flags = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
            for flag in ("server", "audit_server"):
                check(flag in flags, f"{where}: --{flag}")
            sharded = "etcd" in named(prod, "StatefulSet")
            check("etcd" in flags if sharded else "identity_server" in flags,
                  f"{where}: " + ("--etcd (prod runs identity-service as shards)" if sharded
                                  else "--identity_server"))
            check_calls(where, name, labels,
                        [flags[f] for f in ("server", "identity_server", "audit_server")
                         if f in flags] + etcd_endpoints(flags.get("etcd")), prod)
            token = flags.get("admin_token_file", "")
            mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
            secret_of = {v["name"]: v["secret"]["secretName"]
                         for v in pod.get("volumes", []) if "secret" in v}
            check(any(os.path.dirname(token) == path and secret_of.get(vol) in admin_secrets
                      for vol, path in mounts.items()),
                  f"{where}: --admin_token_file {token!r} from the services' admin Secret "
                  f"{sorted(admin_secrets)}")
    readme = open(os.path.join(K8S, "README.md"), encoding="utf-8").read()
    calls = [l for l in readme.splitlines() if re.search(r"scimctl\b.*--server=", l)]
    check(calls, "k8s/README.md: in-cluster scimctl commands")
    for line in calls:
        check("--identity_server=" in line or "--etcd=" in line,
              f"k8s/README.md: scimctl without --identity_server or --etcd: {line.strip()}")


def main():
    if shutil.which("kubectl") is None:
        print("SKIP: kubectl is not installed (Debian 12 does not package it)")
        return 77
    overlays = sorted(os.listdir(os.path.join(K8S, "overlays")))
    check(set(overlays) >= {"dev", "prod"}, f"overlays dev and prod, got {overlays}")
    rendered = {o: check_overlay(o) for o in overlays}
    check_monitoring(rendered.get("prod", []), rendered.get("dev", []))
    check_jobs(rendered.get("prod", []))
    check_restore(rendered.get("prod", []))
    for f in failures:
        print("FAIL:", f)
    print(f"k8s render: {len(overlays)} overlays, monitoring, jobs, restore; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
