# syntax=docker/dockerfile:1
#
# clb-controller's container image:
#   docker build -t clb-controller:<version> .
#   buildah bud --build-arg NODE_IMAGE=<a Node 24 image> -t clb-controller:<version> .
#
# Built and run in CI by .ci/image-check.sh (buildah, on a locally made Node 24 base where no registry is
# reachable). Nothing is fetched but the npm packages package-lock.json pins.
#
# Stages: `npm` is the base with the lockfile; `build` compiles TypeScript with every dependency installed;
# `deps` installs production dependencies only and drops what Node never loads at run time (source maps, type
# declarations, docs, the Tencent Cloud SDK's services other than CLB, VPC and Tag); `runtime` is the base
# image plus those two.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- npm: the base with the lockfile, for the two stages that install from it ----------------------------
FROM ${NODE_IMAGE} AS npm
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./

# ---- build: install exactly the lockfile, compile TypeScript into dist/ ----------------------------------
# --ignore-scripts: the `prepare` script would compile before the sources are here, and the `node`
# devDependency's install script would download a second Node; the base image's Node compiles.
FROM npm AS build
RUN npm ci --ignore-scripts && rm -f node_modules/.bin/node
# tsconfig.build.json compiles src/, providers/, mocks/ (the `mock` provider and the sandbox are selectable at
# run time) and bench/ into dist/, keeping the folder layout: dist/src/cli/main.js.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY providers ./providers
COPY mocks ./mocks
COPY bench ./bench
RUN npm run build \
 && find dist -name '*.map' -delete

# ---- deps: production dependencies only, without what is never loaded ------------------------------------
FROM npm AS deps
RUN npm ci --omit=dev --ignore-scripts \
 && sdk=node_modules/tencentcloud-sdk-nodejs/tencentcloud/services \
 && find "$sdk" -mindepth 1 -maxdepth 1 -type d ! -name clb ! -name vpc ! -name tag -exec rm -rf {} + \
 && printf '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n' > "$sdk/index.js" \
 && find node_modules \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -iname '*.md' -o -name '*.ts.map' \) -type f -delete \
 && rm -rf node_modules/.package-lock.json node_modules/.bin

# ---- runtime: Node, the compiled code and production dependencies only -----------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the process: with readOnlyRootFilesystem nothing could change them anyway.
COPY package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# `sandbox` applies the examples by default (manifests/examples); they are small.
COPY manifests/examples ./manifests/examples
# Non-root, numeric so that Kubernetes' runAsNonRoot can verify it (manifests/deployment.yaml runs as the same
# uid). 65532 is the conventional "nonroot" uid of distroless images; it needs no /etc/passwd entry.
USER 65532:65532
# /metrics, /healthz, /readyz (CLB_METRICS_PORT).
EXPOSE 8080
# Node runs as PID 1: it gets no default signal handling from the kernel, so the CLI handles SIGTERM itself
# (stop reconciling, release the leader Lease, exit) — Kubernetes sends SIGTERM, then SIGKILL after the grace
# period.
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["run"]
