# Shared by run.sh and test.sh: install what is missing, then build.
# Sourced, not run.

# Debian 12 packages the build, the binaries and the tests need (clang-14 and
# its runtime: the libFuzzer build, scripts/fuzz.sh).
SCIM_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git curl ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libcpp-httplib-dev libhiredis-dev librocksdb-dev
  libgtest-dev libgmock-dev nlohmann-json3-dev libssl-dev prometheus-cpp-dev
  libjemalloc-dev
  python3 python3-yaml openssl redis-server etcd-server
  clang-14 libclang-rt-14-dev
)

scim_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the packages (plus any given as arguments) that are not installed.
scim_ensure_packages() {
  local missing=()
  local p
  for p in "${SCIM_PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    scim_sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive scim_sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# The npm packages the tests use (tests/node/package.json: the Standard
# Webhooks reference library that verifies our webhook signatures,
# puppeteer-core for the console's browser test, kubernetes-models,
# @kubernetes-models/prometheus-operator, yaml and Prometheus's PromQL parser
# @prometheus-io/lezer-promql for the k8s schema test).
# A no-op once installed. Node 20 and npm come with the machine (Debian's
# nodejs would replace them: never install it).
scim_ensure_node_packages() {
  if [ -f tests/node/node_modules/standardwebhooks/package.json ] &&
     [ -f tests/node/node_modules/puppeteer-core/package.json ] &&
     [ -f tests/node/node_modules/kubernetes-models/package.json ] &&
     [ -f tests/node/node_modules/@kubernetes-models/prometheus-operator/package.json ] &&
     [ -f tests/node/node_modules/yaml/package.json ] &&
     [ -f tests/node/node_modules/@prometheus-io/lezer-promql/package.json ]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    echo "npm is missing: the tests need Node 20 with npm on the PATH" >&2
    return 1
  fi
  echo "installing npm packages for tests (tests/node)" >&2
  # puppeteer-core drives Debian's chromium: never a browser download.
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix tests/node --no-package-lock --no-audit \
    --no-fund >&2
}

# Configures (once) and builds everything into build/ (binaries in build/bin).
scim_build() {
  if [ ! -f build/build.ninja ]; then
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  fi
  ninja -C build >&2
}
