# syntax=docker/dockerfile:1
# All binaries in one image: scimd, scim-edge, identity-service,
# token-service, audit-service, scimctl. Debian 12 for build and runtime, so
# the runtime takes the same shared libraries the build linked against.

FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends \
      g++ cmake ninja-build pkg-config ca-certificates \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libcpp-httplib-dev libhiredis-dev librocksdb-dev \
      libgtest-dev libgmock-dev nlohmann-json3-dev libssl-dev \
      prometheus-cpp-dev libjemalloc-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    && ninja -C build scimd scim-edge identity-service token-service \
         audit-service scimctl

FROM debian:12-slim AS runtime
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
USER 10001:10001
WORKDIR /var/lib/scim
ENV SCIM_DATA_DIR=/var/lib/scim/data
EXPOSE 8080 50051
ENTRYPOINT ["/usr/local/bin/scimd"]
CMD ["--http_addr=0.0.0.0:8080", "--grpc_addr=0.0.0.0:50051"]
