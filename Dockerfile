# syntax=docker/dockerfile:1
#
# clb-controller's container image: `docker build -t clb-controller:<version> .`
#
# NOTE: no container engine runs on the machine this was written on (see /work/shared/docs/platform-notes.md),
# so this file has not been built here. It is deliberately conventional — two stages on the official Node 24
# LTS image, nothing fetched but npm packages pinned by package-lock.json — so the first real build should be
# uneventful; CI that can run Docker should build it.
#
# Node comes from the base image. The `node` devDependency (a Node 24 binary for development and CI) is
# installed by `npm ci` in the build stage like every devDependency, and pruned before anything is copied out.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: install exactly the lockfile, compile TypeScript into dist/, drop devDependencies ----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
# Dependencies first: this layer is reused as long as package.json and package-lock.json do not change.
COPY package.json package-lock.json ./
RUN npm ci
# tsconfig.build.json compiles src/, providers/, mocks/ (the `mock` provider is selectable at run time) and
# bench/ into dist/, keeping the folder layout: dist/src/cli/main.js.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY providers ./providers
COPY mocks ./mocks
COPY bench ./bench
RUN npm run build \
 && npm prune --omit=dev

# ---- runtime: Node, the compiled code and production dependencies only ---------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the process: with readOnlyRootFilesystem nothing could change them anyway.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
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
