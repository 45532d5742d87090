# syntax=docker/dockerfile:1
# ConnectSphere's API and jobs runner as compiled JavaScript (npm run build), on Node 20.
#   docker build -t connectsphere .
#   docker compose up            (compose.yaml: API + jobs + PostgreSQL)
# The development machine has no Docker: test/deploy.test.ts checks this file and compose.yaml
# (their stages, user, healthcheck, and that what they run exists), not the image itself.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY cli/package.json cli/
RUN npm ci --no-audit --no-fund
COPY . .
# dist/ (API, jobs, ML worker, CLI) and sdk/dist, then only what runs in production.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# pg_dump and pg_restore for backups on PostgreSQL: the same major version as the server (compose.yaml).
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client-15 \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/sdk/package.json ./sdk/package.json
COPY --from=build /app/sdk/dist ./sdk/dist
COPY --from=build /app/cli/package.json ./cli/package.json
# Keys, models and backups live in /data (a volume), owned by the unprivileged user that runs the API.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/api/main.js"]
