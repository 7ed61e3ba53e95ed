// Runs .tflite models with LiteRT.js in node. Reads one JSON request from stdin:
//   {"runs": [{"model": "/path/x.tflite", "inputs": [{"dtype": "float32", "shape": [..], "data": [..]}]}]}
// and writes {"results": [{"outputs": [{"dtype", "shape", "data"}]} | {"error": "..."}]} to stdout.
// LiteRT logs go to stderr.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const coreDir = path.join(here, 'node_modules', '@litertjs', 'core');
const utilsEntry = path.join(here, 'node_modules', '@litertjs', 'wasm-utils', 'dist', 'index.js');

// Browser globals the Emscripten loader expects.
globalThis.self = globalThis;
globalThis.importScripts = (url) => {
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  const code = fs.readFileSync(file, 'utf8');
  const load = new Function('require', '__dirname', '__filename',
    code + '\n;globalThis.ModuleFactory = ModuleFactory;');
  load(createRequire(file), path.dirname(file), file);
};

// The wrapper only accepts float32/int32/uint8 tensors; a private copy adds int8.
function patchedCore() {
  const source = fs.readFileSync(path.join(coreDir, 'dist', 'index.js'), 'utf8');
  const marker = 'var DATATYPES = Object.freeze([';
  if (!source.includes(marker) || !source.includes('from "@litertjs/wasm-utils"')) {
    throw new Error('unexpected @litertjs/core layout: cannot add int8 support');
  }
  const patched = source
    .replace(marker, marker + '\n  { dtype: "int8", typedArrayConstructor: Int8Array, elementType: ElementType.INT8 },')
    .replace('from "@litertjs/wasm-utils"', `from ${JSON.stringify(pathToFileURL(utilsEntry).href)}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'litert-core-'));
  const file = path.join(dir, 'index.mjs');
  fs.writeFileSync(file, patched);
  return { file, dir };
}

const arrays = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array };

async function main() {
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  const { file, dir } = patchedCore();
  let litert;
  try {
    litert = await import(pathToFileURL(file).href);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await litert.loadLiteRt(path.join(coreDir, 'wasm') + '/');
  const results = [];
  for (const run of request.runs) {
    try {
      const model = await litert.loadAndCompile(new Uint8Array(fs.readFileSync(run.model)), { accelerator: 'wasm' });
      const inputs = run.inputs.map((t) => {
        const ctor = arrays[t.dtype];
        if (!ctor) throw new Error(`unsupported input dtype ${t.dtype}`);
        return new litert.Tensor(ctor.from(t.data), t.shape);
      });
      const outputs = await model.run(inputs);
      results.push({
        outputs: outputs.map((o) => {
          const data = o.toTypedArray();
          const result = { dtype: o.type.dtype, shape: Array.from(o.type.layout.dimensions), data: Array.from(data) };
          o.delete();
          return result;
        }),
      });
      inputs.forEach((t) => t.delete());
      model.delete();
    } catch (e) {
      results.push({ error: String(e && e.stack ? e.stack : e) });
    }
  }
  process.stdout.write(JSON.stringify({ results }));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
