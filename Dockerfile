# syntax=docker/dockerfile:1
# All binaries in one image: scimd, scim-edge, identity-service,
# token-service, audit-service, scimctl. Debian 12 for build and runtime, so
# the runtime takes the same shared libraries the build linked against.
#
# The base is pinned to a Debian point release (a floating tag would change
# the toolchain and libraries under the same Dockerfile); pin the digest too
# in your registry mirror (debian:12.8@sha256:...) for byte-for-byte builds.
ARG DEBIAN_RELEASE=12.8

FROM debian:${DEBIAN_RELEASE} AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends \
      g++ cmake ninja-build pkg-config ca-certificates \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libcpp-httplib-dev libhiredis-dev librocksdb-dev \
      libgtest-dev libgmock-dev nlohmann-json3-dev libssl-dev \
      prometheus-cpp-dev libjemalloc-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the C++ build reads, so that documentation, manifests, tests and
# scripts can change without rebuilding it (a layer per input kept simple:
# the build files first, then the sources).
COPY CMakeLists.txt VERSION ./
COPY proto/ proto/
COPY common/ common/
COPY storage/ storage/
COPY clients/ clients/
COPY scim/ scim/
COPY events/ events/
COPY webhooks/ webhooks/
COPY identity-service/ identity-service/
COPY token-service/ token-service/
COPY audit-service/ audit-service/
COPY edge/ edge/
COPY scimd/ scimd/
COPY scimctl/ scimctl/
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSCIM_BUILD_TESTS=OFF \
    && ninja -C build scimd scim-edge identity-service token-service \
         audit-service scimctl

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG VERSION=0.4.0
LABEL org.opencontainers.image.title="scim" \
      org.opencontainers.image.description="Multi-tenant SCIM 2.0 provisioning service: scimd, scim-edge, identity-service, token-service, audit-service, scimctl" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://git.example.com/scim" \
      org.opencontainers.image.base.name="docker.io/library/debian:${DEBIAN_RELEASE}-slim"
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends \
      ca-certificates libabsl20220623 libgrpc++1.51 libgrpc29 libprotobuf32 \
      librocksdb7.8 libcpp-httplib0.11 libprometheus-cpp-core1.0 \
      libprometheus-cpp-pull1.0 libssl3 libhiredis0.14 libjemalloc2 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 scim \
    && useradd --system --uid 10001 --gid scim --home-dir /var/lib/scim scim \
    && mkdir -p /var/lib/scim && chown scim:scim /var/lib/scim
COPY --from=build /src/build/bin/scimd /src/build/bin/scim-edge \
     /src/build/bin/identity-service /src/build/bin/token-service \
     /src/build/bin/audit-service /src/build/bin/scimctl /usr/local/bin/
COPY LICENSE /usr/share/doc/scim/LICENSE
USER 10001:10001
WORKDIR /var/lib/scim
ENV SCIM_DATA_DIR=/var/lib/scim/data
# scimd and scim-edge: HTTP 8080; scimd's gRPC 50051; identity-service,
# token-service and audit-service: gRPC 50052, 50053, 50054; the services'
# --metrics_addr: 9090.
EXPOSE 8080 50051 50052 50053 50054 9090
ENTRYPOINT ["/usr/local/bin/scimd"]
CMD ["--http_addr=0.0.0.0:8080", "--grpc_addr=0.0.0.0:50051"]
