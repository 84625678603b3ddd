#!/usr/bin/env python3
"""Renders every k8s overlay with `kubectl kustomize` and checks the
invariants an SRE relies on, on the rendered objects:

- every pod runs as non-root, with a read-only root filesystem, no privilege
  escalation, all capabilities dropped, requests and limits, liveness and
  readiness probes (native gRPC probes on the gRPC services), its own
  ServiceAccount without an automounted token, and flags from a ConfigMap;
- RocksDB services are StatefulSets whose data lives on a claim template;
- the edge has an HPA and a PodDisruptionBudget; the Ingress terminates TLS
  from a Secret; a default-deny NetworkPolicy exists and every workload has a
  policy of its own; every Service selects a workload;
- dev is one scimd pod with a volume; prod is the separate services with a
  pinned image.

Exit 77 (skipped) when kubectl is not installed.
"""
import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def render(overlay):
    out = subprocess.run(
        ["kubectl", "kustomize", os.path.join(ROOT, "k8s", "overlays", overlay)],
        capture_output=True, text=True)
    if out.returncode != 0:
        failures.append(f"{overlay}: kubectl kustomize failed: {out.stderr[:500]}")
        return []
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def named(objs, kind):
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def check_workload(overlay, obj, objs):
    name = f"{overlay}/{obj['kind']}/{obj['metadata']['name']}"
    pod = obj["spec"]["template"]["spec"]
    labels = obj["spec"]["template"]["metadata"]["labels"]
    psc = pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, f"{name}: runAsNonRoot")
    check(pod.get("automountServiceAccountToken") is False,
          f"{name}: automountServiceAccountToken must be false")
    sa = pod.get("serviceAccountName")
    check(sa in named(objs, "ServiceAccount"), f"{name}: ServiceAccount {sa}")
    configmaps = named(objs, "ConfigMap")
    for c in pod["containers"]:
        cname = f"{name}/{c['name']}"
        sc = c.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True, f"{cname}: readOnlyRootFilesystem")
        check(sc.get("allowPrivilegeEscalation") is False, f"{cname}: allowPrivilegeEscalation")
        check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{cname}: drop ALL")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                check(r in res.get(kind, {}), f"{cname}: resources.{kind}.{r}")
        for probe in ("livenessProbe", "readinessProbe"):
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
    if obj["kind"] == "StatefulSet":
        claims = [t["metadata"]["name"] for t in obj["spec"].get("volumeClaimTemplates", [])]
        check(claims, f"{name}: volumeClaimTemplates")
        mounts = [m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])]
        check(all(cl in mounts for cl in claims), f"{name}: claim mounted")
    policies = [p for p in named(objs, "NetworkPolicy").values()
                if p["spec"].get("podSelector") and
                selects(p["spec"]["podSelector"].get("matchLabels"), labels) and
                p["spec"]["podSelector"].get("matchLabels")]
    exprs = [p for p in named(objs, "NetworkPolicy").values()
             if any(labels.get(e["key"]) in e.get("values", [])
                    for e in p["spec"]["podSelector"].get("matchExpressions", []))]
    check(policies or exprs, f"{name}: a NetworkPolicy of its own")


def check_overlay(overlay):
    objs = render(overlay)
    if not objs:
        return
    workloads = [o for o in objs if o["kind"] in ("Deployment", "StatefulSet")]
    for w in workloads:
        check_workload(overlay, w, objs)
    pod_labels = [w["spec"]["template"]["metadata"]["labels"] for w in workloads]
    for name, svc in named(objs, "Service").items():
        check(any(selects(svc["spec"]["selector"], l) for l in pod_labels),
              f"{overlay}: Service {name} selects a workload")
    policies = named(objs, "NetworkPolicy")
    check(any(p["spec"]["podSelector"] == {} and "ingress" not in p["spec"] and
              "Ingress" in p["spec"]["policyTypes"] for p in policies.values()),
          f"{overlay}: default-deny NetworkPolicy")
    ingresses = named(objs, "Ingress")
    check(len(ingresses) == 1, f"{overlay}: one Ingress")
    services = named(objs, "Service")
    for ing in ingresses.values():
        check(all(t.get("secretName") for t in ing["spec"].get("tls", [])) and
              ing["spec"].get("tls"), f"{overlay}: Ingress TLS from a Secret")
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]["name"]
                check(backend in services, f"{overlay}: Ingress backend {backend}")
    names = {w["metadata"]["name"]: w["kind"] for w in workloads}
    if overlay == "dev":
        check(names == {"scimd": "StatefulSet"},
              f"dev: one scimd StatefulSet, got {names}")
    if overlay == "prod":
        for svc in ("identity-service", "audit-service", "token-service"):
            check(names.get(svc) == "StatefulSet", f"prod: {svc} StatefulSet")
        check(names.get("scim-edge") == "Deployment", "prod: scim-edge Deployment")
        check("scimd" not in names, "prod: no scimd")
        hpas = named(objs, "HorizontalPodAutoscaler").values()
        check(any(h["spec"]["scaleTargetRef"]["name"] == "scim-edge" for h in hpas),
              "prod: HPA for the edge")
        pdbs = named(objs, "PodDisruptionBudget").values()
        check(any(selects(p["spec"]["selector"]["matchLabels"],
                          {"app.kubernetes.io/name": "scim-edge"}) for p in pdbs),
              "prod: PDB for the edge")
        check(all(o["metadata"].get("namespace") == "scim"
                  for o in objs if o["kind"] != "Namespace"),
              "prod: everything in namespace scim")


def main():
    if shutil.which("kubectl") is None:
        print("SKIP: kubectl is not installed (Debian 12 does not package it)")
        return 77
    overlays = sorted(os.listdir(os.path.join(ROOT, "k8s", "overlays")))
    check(set(overlays) >= {"dev", "prod"}, f"overlays dev and prod, got {overlays}")
    for overlay in overlays:
        check_overlay(overlay)
    for f in failures:
        print("FAIL:", f)
    print(f"k8s render: {len(overlays)} overlays, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
