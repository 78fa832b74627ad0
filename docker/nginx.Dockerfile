# syntax=docker/dockerfile:1.7
# The edge: Nginx serving the built web client and proxying /api, /ws, /healthz and /readyz to the backends.
#   docker build -f docker/nginx.Dockerfile .
# Nginx must be >= 1.27.3: `server backend:8080 resolve` in an upstream (how it follows `--scale`) came to
# open-source Nginx in that release. The build context is the repository root.
#
# Build arguments (the defaults are the registry images; docker/test/compose-it.sh points them at local stand-ins):
#   NGINX_IMAGE             the image the edge runs on
#   NGINX_RESOLVER          the DNS server that re-resolves `backend` (Docker's 127.0.0.11); empty: no `resolve`,
#                           `backend` is resolved once at start (for an Nginx older than 1.27.3)
#   WEB=host-web            take web-client/dist from the context (built by the host's `npm run build`) instead of
#                           running npm inside; the Node stage is then never built

ARG NGINX_IMAGE=nginx:1.28-alpine
ARG NGINX_RESOLVER=127.0.0.11
ARG WEB=npm-web

# ---- web client: npm ci (exactly the lockfile) and the Vite build ----
FROM node:22-alpine AS npm-web
WORKDIR /src
COPY web-client/package.json web-client/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY web-client/ ./
RUN npm run build

# ---- host-web: the client the host built (WEB=host-web); the default WEB=npm-web never builds this stage ----
FROM scratch AS host-web
COPY web-client/dist/ /src/dist/

FROM ${WEB} AS web

# ---- config: the same template and renderer the integration test uses, with Docker's values ----
FROM ${NGINX_IMAGE} AS config
ARG NGINX_RESOLVER
COPY nginx/parley.conf.template nginx/render.sh /render/
RUN sh /render/render.sh \
        --listen 8080 \
        --upstream backend:8080 \
        ${NGINX_RESOLVER:+--resolver "$NGINX_RESOLVER"} \
        --root /usr/share/nginx/html \
        --runtime-dir /tmp/nginx \
        --access-log /dev/stdout \
        --error-log /dev/stderr \
        > /render/nginx.conf

# ---- runtime: unprivileged Nginx on 8080 (Compose publishes it as port 80) ----
FROM ${NGINX_IMAGE}
RUN rm -f /etc/nginx/conf.d/default.conf /usr/share/nginx/html/* \
 && install -d -o nginx -g nginx -m 0750 /tmp/nginx
COPY --from=config /render/nginx.conf /etc/nginx/nginx.conf
COPY --from=web /src/dist/ /usr/share/nginx/html/
USER nginx
EXPOSE 8080
# Straight to Nginx: the image's entrypoint scripts rewrite conf.d, which this config does not use.
ENTRYPOINT ["nginx", "-e", "stderr", "-g", "daemon off;"]
CMD []
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/nginx-health"]
