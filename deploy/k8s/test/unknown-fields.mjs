// Fields a Kubernetes object has that its schema does not define. The kubernetes-models validators check types,
// required fields and enums but accept unknown keys, and a misspelt key (`readinesProbe`) is silently dropped by the
// API server; the models' TypeScript declarations list every field, so they serve as the field catalogue.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const modelsDir = dirname(require.resolve("kubernetes-models/package.json"));
const nodeModules = join(modelsDir, "..");

/** Type of a field: an object with known fields, an array or map of a type, or a leaf we do not look into. */
const LEAF = { kind: "leaf" };
const interfaces = new Map();

/** Paths (like `spec.template.spec.containers[0].readinesProbe`) of the fields the schema does not know. */
export function unknownFields(object) {
  const model = declaration(join(modelsDir, object.apiVersion, `${object.kind}.d.ts`));
  const found = [];
  walk(object, model, "", found);
  return found;
}

function walk(value, type, path, found) {
  if (value === null || value === undefined || type.kind === "leaf") {
    return;
  }
  if (type.kind === "array") {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, type.of, `${path}[${i}]`, found));
    return;
  }
  if (type.kind === "map") {
    if (typeof value === "object") Object.entries(value).forEach(([k, v]) => walk(v, type.of, `${path}.${k}`, found));
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    return; // a wrong type is the schema validator's to report
  }
  const fields = type.fields();
  for (const [key, v] of Object.entries(value)) {
    const field = fields.get(key);
    const at = path ? `${path}.${key}` : key;
    if (field) walk(v, field, at, found);
    else found.push(at);
  }
}

/** The first interface declared in a .d.ts file, or a leaf when the file declares only a type alias. */
function declaration(file) {
  if (interfaces.has(file)) {
    return interfaces.get(file);
  }
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map();
  for (const m of text.matchAll(/import \{([^}]*)\} from "([^"]+)"/g)) {
    for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      imports.set(name, m[2]);
    }
  }
  const start = text.search(/export interface I\w+(?: extends [\w, ]+)? \{/);
  let type = LEAF;
  if (start >= 0) {
    const body = block(text, text.indexOf("{", start));
    let fields = null;
    type = {
      kind: "object",
      fields: () => (fields ??= new Map(members(body).map(([name, t]) => [name, parse(t, file, imports)]))),
    };
  }
  interfaces.set(file, type);
  return type;
}

function block(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces at ${open}`);
}

/** `"name"?: Type;` members of an interface body, split at semicolons outside nested braces and angle brackets. */
function members(body) {
  const out = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "{" || ch === "<") depth++;
    if (ch === "}" || ch === ">") depth--;
    if (ch === ";" && depth === 0) {
      const m = current.trim().match(/^"([^"]+)"\??:\s*([\s\S]+)$/);
      if (m) out.push([m[1], m[2].trim()]);
      current = "";
    } else {
      current += ch;
    }
  }
  return out;
}

function parse(type, file, imports) {
  const array = type.match(/^Array<([\s\S]+)>$/);
  if (array) return { kind: "array", of: parse(array[1].trim(), file, imports) };
  const map = type.match(/^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/);
  if (map) return { kind: "map", of: parse(map[1].trim(), file, imports) };
  const from = imports.get(type);
  if (!from) return LEAF; // string, number, boolean, literal unions
  const target = from.startsWith(".")
    ? join(dirname(file), from.replace(/\.js$/, ".d.ts"))
    : join(nodeModules, `${from.replace(/\.js$/, "")}.d.ts`);
  return lazy(() => declaration(target));
}

/** Resolves a referenced declaration on first use (the schemas refer to each other in cycles). */
function lazy(resolve) {
  let resolved = null;
  const get = () => (resolved ??= resolve());
  return {
    get kind() {
      return get().kind;
    },
    fields: () => get().fields(),
  };
}
