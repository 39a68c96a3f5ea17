# One image pattern for every Symbia service and the website:
#   docker build --build-arg SERVICE=messaging -t symbia/messaging .
# Stage 1 installs the workspace; stage 2 runs it as an unprivileged user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# The whole workspace is copied before `npm ci`: every service depends on sibling packages.
COPY . .
RUN npm ci
ARG SERVICE
RUN test -n "$SERVICE" && if [ "$SERVICE" = website ]; then npm run build -w @symbia/website; fi

FROM node:20-bookworm-slim AS run
ARG SERVICE
ENV NODE_ENV=production HOST=0.0.0.0 SERVICE=${SERVICE}
# util-linux gives the code tools their sandbox (unshare, setpriv, prlimit).
RUN apt-get update && apt-get install -y --no-install-recommends util-linux curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
# Services run from their TypeScript sources under tsx; the website serves its build.
CMD ["sh", "-c", "if [ \"$SERVICE\" = website ]; then exec node website/server.mjs; else exec node --import tsx \"$SERVICE/src/index.ts\"; fi"]
