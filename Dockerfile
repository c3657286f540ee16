# syntax=docker/dockerfile:1
# Multi-stage build of the Ogent server with the web console.

FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json vitest.shared.ts ./
COPY tooling ./tooling
COPY packages ./packages
COPY apps ./apps
# better-sqlite3 and ssh2's crypto binding compile here, against this image's Node and glibc.
RUN npm install --no-fund --no-audit && npx turbo run build --filter=@ogent/server --filter=@ogent/web \
 && npm prune --omit=dev --no-fund --no-audit

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# Output buffers are large and short-lived: with fewer malloc arenas and large blocks always
# mapped and unmapped, memory freed after a burst of output goes back to the system.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/apps/server/package.json ./apps/server/package.json
COPY --from=build /app/apps/server/dist ./apps/server/dist
COPY --from=build /app/apps/web/dist ./apps/web/dist
COPY deploy/server/entrypoint.sh /usr/local/bin/ogent-entrypoint
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/local/bin/ogent-entrypoint"]

# nginx in front of a cluster (docker-compose.cluster.yml): the console's files and the proxy.
FROM nginx:1.22 AS web
COPY --from=build /app/apps/web/dist /usr/share/ogent/web
COPY deploy/nginx/nginx.conf /etc/nginx/nginx.conf
COPY deploy/nginx/ogent-locations.conf /etc/nginx/ogent-locations.conf
