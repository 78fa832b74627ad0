# syntax=docker/dockerfile:1.7
# Parley's Java processes. One build stage compiles the whole reactor once; two small runtime targets take its jars:
#   docker build -f docker/java.Dockerfile --target backend .   (also runs the one-shot `migrate`)
#   docker build -f docker/java.Dockerfile --target worker .
# The build context is the repository root; docker/java.Dockerfile.dockerignore keeps target/, node_modules/,
# .git and .env out of it.
#
# Build arguments (the defaults are the registry images; docker/test/compose-it.sh points them at local stand-ins):
#   JRE_IMAGE               the image the targets run on
#   JARS=host-jars          take server/target/parley-server.jar and worker/target/parley-worker.jar from the context
#                           (built by the host's `mvn -pl server,worker -am package`) instead of running Maven inside;
#                           the Maven stage is then never built

ARG JAVA_MAJOR=21
ARG JRE_IMAGE=eclipse-temurin:${JAVA_MAJOR}-jre
ARG JARS=build

# ---- build: Maven with a JDK; the local repository is a BuildKit cache, so rebuilds do not download again ----
FROM maven:3.9-eclipse-temurin-${JAVA_MAJOR} AS build
WORKDIR /src
COPY . .
# -am builds protocol and infra too; tests run in CI, not in the image build.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -pl server,worker -am -DskipTests package \
 && mkdir -p /out \
 && cp server/target/parley-server.jar worker/target/parley-worker.jar /out/

# ---- host-jars: the jars the host's Maven built (JARS=host-jars); the default JARS=build never builds this stage ----
FROM scratch AS host-jars
COPY server/target/parley-server.jar worker/target/parley-worker.jar /out/

FROM ${JARS} AS jars

# ---- runtime base: a JRE and an unprivileged user, nothing else ----
FROM ${JRE_IMAGE} AS runtime
RUN groupadd --system --gid 10001 parley \
 && useradd --system --uid 10001 --gid parley --home-dir /app --no-create-home --shell /usr/sbin/nologin parley
WORKDIR /app
COPY --chmod=0755 docker/http-health.sh /usr/local/bin/http-health
USER parley:parley
# Extra JVM flags go in JAVA_TOOL_OPTIONS (the JVM reads it); the flags below are the container defaults.

# ---- backend: `java -jar parley-server.jar` serves; `... migrate` applies the schema and exits ----
FROM runtime AS backend
COPY --from=jars --chown=root:root --chmod=0644 /out/parley-server.jar /app/parley-server.jar
# The recommended JVM flags (G1 gives unused heap back, so idle connections stay cheap in RSS).
COPY --chown=root:root --chmod=0644 server/jvm.options /app/jvm.options
EXPOSE 8080
# Heap from the container's memory limit, leaving room for Netty's direct buffers; die (and be restarted) rather
# than limp on after an OutOfMemoryError. Exec form: java is PID 1 and gets SIGTERM, so it closes sockets with 1001.
ENTRYPOINT ["java", "@/app/jvm.options", "-XX:MaxRAMPercentage=60", "-XX:InitialRAMPercentage=25", \
            "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/parley-server.jar"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["http-health", "8080", "/readyz"]

# ---- worker ----
FROM runtime AS worker
COPY --from=jars --chown=root:root --chmod=0644 /out/parley-worker.jar /app/parley-worker.jar
# /metrics and /healthz; PARLEY_WORKER_HTTP_PORT=0 turns them off (then replace the health check).
ENV PARLEY_WORKER_HTTP_PORT=9090
EXPOSE 9090
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=70", "-XX:InitialRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError", \
            "-jar", "/app/parley-worker.jar"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["http-health", "9090", "/healthz"]
