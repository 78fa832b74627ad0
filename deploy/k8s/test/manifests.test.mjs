// Renders every kustomize overlay of deploy/k8s with `kubectl kustomize`, validates every object against the
// Kubernetes schemas offline (kubernetes-models, plus a check for fields the schemas do not know), checks that every
// environment variable the manifests give Parley is documented in the README and read by the code, and checks the
// properties the manifests exist for (probes, graceful shutdown, non-root, no shipped production secret).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { unknownFields } from "./unknown-fields.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const k8s = join(here, "..");
const root = join(k8s, "..", "..");
const kubectl = process.env.PARLEY_KUBECTL ?? "/usr/bin/kubectl";
const overlays = readdirSync(join(k8s, "overlays")).filter((d) => statSync(join(k8s, "overlays", d)).isDirectory());

/** The server's shutdown after SIGTERM: up to 5 s for the 1001 closes, 2 + 2 s for the event loops, a margin. */
const SERVER_SHUTDOWN_SECONDS = 15;
/** The worker's: up to 7 s to finish its batches, then leases and pools (Worker.SHUTDOWN_GRACE_MS), a margin. */
const WORKER_SHUTDOWN_SECONDS = 15;
/** The server pings after 25 s of silence (PARLEY_PING_INTERVAL_SECONDS). */
const SERVER_PING_SECONDS = 25;

/** Why the overlays cannot be rendered here, or null: kubectl must embed kustomize v5 (`labels`, inline patches). */
function missingKubectl() {
  if (!existsSync(kubectl)) {
    return `no kubectl at ${kubectl} (set PARLEY_KUBECTL)`;
  }
  const version = execFileSync(kubectl, ["version", "--client"], { encoding: "utf8" });
  const major = Number(version.match(/Kustomize Version: v(\d+)/)?.[1] ?? 0);
  return major >= 5 ? null : `${kubectl} embeds kustomize ${major || "(unknown)"}, not v5 or later`;
}

const skipReason = missingKubectl();
const haveKubectl = skipReason === null;
if (!haveKubectl) {
  console.log(`SKIP: ${skipReason}: the overlays were not rendered`);
}

/** Rendered objects of one overlay. */
function render(overlay) {
  const out = execFileSync(kubectl, ["kustomize", join(k8s, "overlays", overlay)], { encoding: "utf8" });
  return parseAllDocuments(out).map((doc) => {
    assert.equal(doc.errors.length, 0, `${overlay}: ${doc.errors.join("; ")}`);
    return doc.toJS();
  });
}

const rendered = new Map(haveKubectl ? overlays.map((o) => [o, render(o)]) : []);

function ofKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

function named(objects, kind, name) {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
}

function podSpecs(objects) {
  return objects
    .filter((o) => o.kind === "Deployment" || o.kind === "Job")
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec, labels: o.spec.template.metadata.labels }));
}

/** Every environment variable a container gets: its env entries and the keys of the ConfigMaps it takes whole. */
function environment(objects, container) {
  const names = new Map();
  for (const e of container.env ?? []) {
    names.set(e.name, e.value ?? null);
  }
  for (const from of container.envFrom ?? []) {
    assert.ok(from.configMapRef, `${container.name}: envFrom takes ConfigMaps only (secrets go by key)`);
    const map = named(objects, "ConfigMap", from.configMapRef.name);
    for (const [k, v] of Object.entries(map.data ?? {})) {
      names.set(k, v);
    }
  }
  return names;
}

/** Names in the first column of the README's configuration tables. */
function documentedVariables() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  const names = new Set();
  for (const line of section.split("\n")) {
    const first = line.match(/^\|([^|]*)\|/);
    for (const m of first ? first[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g) : []) {
      names.add(m[1]);
    }
  }
  assert.ok(names.size > 10, `README configuration tables found (${names.size} names)`);
  return names;
}

/** The main Java sources of the server and worker processes, concatenated. */
function javaSources() {
  let all = "";
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".java")) all += readFileSync(path, "utf8");
    }
  };
  for (const module of ["protocol", "infra", "server", "worker"]) {
    const dir = join(root, module, "src", "main", "java");
    if (existsSync(dir)) walk(dir);
  }
  return all;
}

function sleepSeconds(container) {
  const command = container.lifecycle?.preStop?.exec?.command ?? [];
  const seconds = command[0] === "sleep" ? Number(command[1]) : (container.lifecycle?.preStop?.sleep?.seconds ?? 0);
  assert.ok(Number.isFinite(seconds), `${container.name}: preStop sleep ${command}`);
  return seconds;
}

function matches(selector, labels) {
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

test("there are a dev and a production overlay", () => {
  assert.deepEqual([...overlays].sort(), ["dev", "production"]);
});

test("the manifests name no host outside the stack, and the lockfile records no download addresses", () => {
  // An empty host is a scheme named in prose (`redis://`).
  const stackHosts = new Set(["", "redis", "mysql", "mysql-read", "127.0.0.1", "localhost", "chat.example.com"]);
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules") walk(path);
      else if (entry.isFile() && entry.name !== "package-lock.json") files.push(path); // funding links; checked below
    }
  };
  walk(k8s);
  assert.ok(files.length > 10, `${files.length} files`);
  for (const file of files) {
    for (const m of readFileSync(file, "utf8").matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/([A-Za-z0-9._-]*)/g)) {
      assert.ok(stackHosts.has(m[1]), `host ${m[1]} in ${file.slice(root.length + 1)}`);
    }
  }
  const lock = readFileSync(join(here, "package-lock.json"), "utf8");
  assert.doesNotMatch(lock, /"resolved"/);
  assert.match(readFileSync(join(here, ".npmrc"), "utf8"), /^omit-lockfile-registry-resolved=true$/m);
});

for (const overlay of overlays) {
  test(`${overlay}: renders, and every object validates against the Kubernetes schemas`, { skip: skipReason ?? false }, async () => {
    const objects = rendered.get(overlay);
    assert.ok(objects.length >= 12, `${objects.length} objects`);
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of ["Namespace", "Deployment", "Job", "Service", "Ingress", "PodDisruptionBudget",
      "HorizontalPodAutoscaler", "ConfigMap", "NetworkPolicy"]) {
      assert.ok(kinds.has(kind), `${overlay} renders a ${kind}`);
    }
    for (const o of objects) {
      const where = `${overlay}: ${o.kind}/${o.metadata?.name}`;
      const module = await import(`kubernetes-models/${o.apiVersion}/${o.kind}`).catch(() => null);
      assert.ok(module?.[o.kind], `${where}: a model for ${o.apiVersion} ${o.kind}`);
      const model = new module[o.kind](o);
      assert.doesNotThrow(() => model.validate(), (e) => `${where}: ${e.message}`);
      assert.deepEqual(unknownFields(o), [], `${where}: fields the ${o.apiVersion} ${o.kind} schema does not have`);
    }
  });

  test(`${overlay}: every variable given to Parley is in the README and read by the code`, { skip: skipReason ?? false }, () => {
    const objects = rendered.get(overlay);
    const documented = documentedVariables();
    const sources = javaSources();
    for (const { owner, spec } of podSpecs(objects)) {
      for (const c of spec.containers) {
        for (const name of environment(objects, c).keys()) {
          assert.ok(documented.has(name), `${overlay}: ${owner} sets ${name}, which the README's configuration tables lack`);
          if (sources.length > 0) {
            assert.ok(sources.includes(`"${name}"`), `${overlay}: ${owner} sets ${name}, which no main source reads`);
          }
        }
      }
    }
  });

  test(`${overlay}: pods run as non-root with a read-only root, no capabilities and RuntimeDefault seccomp`, { skip: skipReason ?? false }, () => {
    const specs = podSpecs(rendered.get(overlay));
    assert.equal(specs.length, 3, "server, worker, migration");
    for (const { owner, spec } of specs) {
      assert.equal(spec.securityContext.runAsNonRoot, true, `${owner}: runAsNonRoot`);
      assert.equal(spec.securityContext.runAsUser, 10001, `${owner}: the image's user (docker/java.Dockerfile)`);
      assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault", `${owner}: seccomp`);
      assert.equal(spec.automountServiceAccountToken, false, `${owner}: no API token`);
      assert.equal(spec.enableServiceLinks, false, `${owner}: no injected MYSQL_PORT=tcp://… (read as the DB port)`);
      for (const c of spec.containers) {
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${owner}: allowPrivilegeEscalation`);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${owner}: readOnlyRootFilesystem`);
        assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], `${owner}: drop ALL`);
        assert.ok(c.volumeMounts?.some((m) => m.mountPath === "/tmp"), `${owner}: a writable /tmp for the JVM`);
        for (const kind of ["requests", "limits"]) {
          assert.ok(c.resources?.[kind]?.cpu && c.resources[kind].memory, `${owner}: ${kind} for cpu and memory`);
        }
      }
    }
  });

  test(`${overlay}: servers are probed and drain their WebSockets before they stop`, { skip: skipReason ?? false }, () => {
    const objects = rendered.get(overlay);
    const server = named(objects, "Deployment", "parley-server");
    const pod = server.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(c.readinessProbe.httpGet.port, "http");
    assert.deepEqual(c.ports.map((p) => [p.name, p.containerPort]), [["http", 8080]]);
    const sleep = sleepSeconds(c);
    assert.ok(sleep >= 5, `preStop waits for the ingress to drop the pod (${sleep} s)`);
    assert.ok(pod.terminationGracePeriodSeconds >= sleep + SERVER_SHUTDOWN_SECONDS,
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} >= preStop ${sleep} s + shutdown ${SERVER_SHUTDOWN_SECONDS} s`);
    assert.equal(server.spec.strategy.rollingUpdate.maxUnavailable, 0);
    assert.equal(server.spec.replicas, undefined, "the autoscaler owns the replica count");

    const worker = named(objects, "Deployment", "parley-worker");
    assert.ok(worker.spec.template.spec.terminationGracePeriodSeconds >= WORKER_SHUTDOWN_SECONDS);
    const w = worker.spec.template.spec.containers[0];
    assert.match(w.livenessProbe.exec.command.join(" "), /parley-worker\.alive/);
    assert.equal(environment(objects, w).get("PARLEY_WORKER_HEALTH_FILE"), "/tmp/parley-worker.alive");

    const job = named(objects, "Job", "parley-migrate");
    assert.deepEqual(job.spec.template.spec.containers[0].args, ["migrate"]);
    assert.equal(job.spec.template.spec.restartPolicy, "Never");
    for (const d of [server, worker]) {
      assert.equal(environment(objects, d.spec.template.spec.containers[0]).get("PARLEY_MIGRATE"), "false",
        `${d.metadata.name}: the Job owns the schema`);
    }
    const store = (d) => environment(objects, d.spec.template.spec.containers[0]).get("PARLEY_QUEUE_PARTITIONS");
    assert.equal(store(server), store(worker), "the same partition count on servers and workers");
  });

  test(`${overlay}: the ingress keeps WebSockets open, and selectors find the pods`, { skip: skipReason ?? false }, () => {
    const objects = rendered.get(overlay);
    const ingress = named(objects, "Ingress", "parley");
    const annotations = ingress.metadata.annotations;
    for (const key of ["proxy-read-timeout", "proxy-send-timeout"]) {
      const seconds = Number(annotations[`nginx.ingress.kubernetes.io/${key}`]);
      assert.ok(seconds > 2 * SERVER_PING_SECONDS, `${key} ${seconds} s outlasts two server pings`);
    }
    const paths = ingress.spec.rules.flatMap((r) => r.http.paths.map((p) => p.path));
    assert.deepEqual(paths.sort(), ["/api", "/ws"], "/metrics is not routed");
    const serverPods = named(objects, "Deployment", "parley-server").spec.template.metadata.labels;
    const workerPods = named(objects, "Deployment", "parley-worker").spec.template.metadata.labels;
    const service = named(objects, "Service", "parley-server").spec;
    assert.ok(Object.keys(service.selector).length > 0 && matches({ matchLabels: service.selector }, serverPods));
    assert.ok(!matches({ matchLabels: service.selector }, workerPods), "the Service selects servers only");
    assert.ok(matches(named(objects, "PodDisruptionBudget", "parley-server").spec.selector, serverPods));
    assert.ok(matches(named(objects, "PodDisruptionBudget", "parley-worker").spec.selector, workerPods));
    assert.ok(!matches(named(objects, "PodDisruptionBudget", "parley-server").spec.selector, workerPods));
    assert.ok(matches(named(objects, "NetworkPolicy", "parley-server").spec.podSelector, serverPods));
    const hpa = named(objects, "HorizontalPodAutoscaler", "parley-server");
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "parley-server" });
    assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    for (const name of ["redis", "mysql"]) {
      assert.equal(named(objects, "Service", name).spec.type, "ExternalName", `${name} is an external service`);
    }
    const namespaces = ofKind(objects, "Namespace");
    assert.equal(namespaces.length, 1);
    assert.equal(namespaces[0].metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    for (const o of objects.filter((x) => x.kind !== "Namespace")) {
      assert.equal(o.metadata.namespace, namespaces[0].metadata.name, `${o.kind}/${o.metadata.name}: namespace`);
    }
  });
}

test("production ships no secret and runs the production profile; dev's key would be refused there", { skip: skipReason ?? false }, () => {
  const production = rendered.get("production");
  assert.deepEqual(ofKind(production, "Secret"), [], "production renders no Secret");
  const refs = new Set();
  for (const { spec } of podSpecs(production)) {
    for (const e of spec.containers.flatMap((c) => c.env ?? [])) {
      if (e.valueFrom?.secretKeyRef) {
        refs.add(e.valueFrom.secretKeyRef.name);
        assert.notEqual(e.valueFrom.secretKeyRef.optional, true, `${e.name}: the Secret is required`);
      }
    }
  }
  assert.deepEqual([...refs], ["parley-secrets"], "one Secret, created by the operator");
  const server = named(production, "Deployment", "parley-server").spec.template.spec.containers[0];
  const env = environment(production, server);
  assert.equal(env.get("PARLEY_PROFILE"), "production");
  assert.match(env.get("PARLEY_ALLOWED_ORIGINS"), /^https:\/\//);
  assert.ok(!env.has("PARLEY_JWT_SECRET") || env.get("PARLEY_JWT_SECRET") === null, "the JWT key comes from the Secret");
  assert.ok(named(production, "Ingress", "parley").spec.tls?.length > 0, "TLS at the ingress");

  // The sizes of docs/SCALING.md, section 3: 15,000 connections per server pod, 1 M connections at most, and every
  // worker holding the same number of partitions.
  const hpa = named(production, "HorizontalPodAutoscaler", "parley-server").spec;
  assert.ok(hpa.maxReplicas * 15_000 >= 1_000_000, `maxReplicas ${hpa.maxReplicas} carries 1 M connections`);
  const workers = named(production, "Deployment", "parley-worker");
  const partitions = Number(environment(production, workers.spec.template.spec.containers[0]).get("PARLEY_QUEUE_PARTITIONS"));
  assert.equal(partitions % workers.spec.replicas, 0, `${partitions} partitions over ${workers.spec.replicas} workers`);
  assert.ok(workers.spec.replicas * 8_000 >= 100_000, `${workers.spec.replicas} workers at 8,000 msgs/s carry 100,000`);

  const dev = rendered.get("dev");
  const secrets = ofKind(dev, "Secret");
  assert.equal(secrets.length, 1);
  const jwt = Buffer.from(secrets[0].data.PARLEY_JWT_SECRET, "base64");
  assert.ok(jwt.length < 32, `dev's JWT key (${jwt.length} bytes) is one the production profile refuses (< 32 bytes)`);
  assert.equal(environment(dev, named(dev, "Deployment", "parley-server").spec.template.spec.containers[0])
    .get("PARLEY_PROFILE"), "dev");
});
