#!/usr/bin/env python3
"""What the image promises, checked on the Dockerfile itself (it runs where no
container engine does; docker_build_test.sh builds the image where one does):
a pinned base, OCI labels with the project's version, every port EXPOSEd, a
non-root user, and a layer order in which documentation, manifests, tests and
scripts never reach the C++ build's layers."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def instructions(text):
    """(KEYWORD, arguments) per instruction, continuation lines joined."""
    out, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " " if line.rstrip().endswith("\\") else line.strip()
        if not line.rstrip().endswith("\\"):
            keyword, _, args = current.partition(" ")
            out.append((keyword.upper(), args.strip()))
            current = ""
    return out


def main():
    dockerfile = open(os.path.join(ROOT, "Dockerfile")).read()
    version = open(os.path.join(ROOT, "VERSION")).read().strip()
    steps = instructions(dockerfile)
    args = {}
    for keyword, rest in steps:
        if keyword == "ARG" and "=" in rest:
            name, value = rest.split("=", 1)
            args[name] = value

    def expand(text):
        return re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), text)

    # A pinned base: a point release or a digest, never latest or a bare major.
    bases = [expand(rest.split()[0]) for keyword, rest in steps if keyword == "FROM"]
    check(len(bases) >= 2, "a build stage and a runtime stage")
    for base in bases:
        image, _, tag = base.partition(":")
        check("@sha256:" in base or re.match(r"^\d+\.\d+(-slim)?$", tag) is not None,
              f"FROM {base}: pin a point release (debian:12.8) or a digest")

    labels = " ".join(rest for keyword, rest in steps if keyword == "LABEL")
    for key in ("title", "description", "version", "licenses", "source"):
        check(f"org.opencontainers.image.{key}=" in labels, f"OCI label image.{key}")
    check(args.get("VERSION") == version,
          f"ARG VERSION={args.get('VERSION')} but VERSION says {version}")
    check('org.opencontainers.image.licenses="Apache-2.0"' in labels, "licence label Apache-2.0")

    exposed = set()
    for keyword, rest in steps:
        if keyword == "EXPOSE":
            exposed.update(p.split("/")[0] for p in rest.split())
    # Every port a binary listens on by default (scimd/edge HTTP, scimd gRPC,
    # the three services' gRPC, the services' metrics in the manifests).
    for port in ("8080", "50051", "50052", "50053", "50054", "9090"):
        check(port in exposed, f"EXPOSE {port}")

    users = [rest for keyword, rest in steps if keyword == "USER"]
    check(users and not users[-1].startswith(("0", "root")), "runs as a non-root USER")

    # Layer order: before the RUN that compiles, only build inputs are copied.
    build_inputs = {"CMakeLists.txt", "VERSION", "proto/", "common/", "storage/", "clients/",
                    "scim/", "events/", "webhooks/", "identity-service/", "token-service/",
                    "audit-service/", "edge/", "scimd/", "scimctl/", "./"}
    compiled = False
    for keyword, rest in steps:
        if keyword == "RUN" and re.search(r"\bninja -C\b", rest):
            compiled = True
            check("SCIM_BUILD_TESTS=OFF" in rest, "the image build leaves tests/ and bench/ out")
        if keyword == "COPY" and not compiled and "--from" not in rest:
            for source in rest.split()[:-1]:
                check(source in build_inputs,
                      f"COPY {source} before the compile: a change there rebuilds the C++")
    check(compiled, "a RUN that compiles with ninja")

    ignore = open(os.path.join(ROOT, ".dockerignore")).read().split()
    for entry in (".git", "build", "k8s", "*.md"):
        check(entry in ignore, f".dockerignore leaves out {entry}")

    for failure in failures:
        print("FAIL:", failure)
    print(f"dockerfile_test: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
