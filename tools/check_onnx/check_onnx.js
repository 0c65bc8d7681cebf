// SPDX-License-Identifier: MIT
// For every CASE.json in the directory given: loads CASE.onnx in onnxruntime (CPU), feeds the
// raw float32 inputs the manifest names, and compares each output with the expected values
// (max |difference|, or / max(1, |expected|) when the case is relative) against its tolerance.
// Prints one line per case; exits 1 on the first failure. Run through tools/check_onnx/run.sh.
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function floats(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

(async () => {
  const dir = process.argv[2];
  const cases = fs.readdirSync(dir).filter(f => f.endsWith('.json')).sort();
  if (cases.length === 0) throw new Error(`${dir}: no CASE.json manifests`);
  for (const c of cases) {
    const m = JSON.parse(fs.readFileSync(path.join(dir, c), 'utf8'));
    const session = await ort.InferenceSession.create(path.join(dir, m.model), { graphOptimizationLevel: 'disabled' });
    const feeds = {};
    for (const i of m.inputs) feeds[i.name] = new ort.Tensor('float32', floats(path.join(dir, i.file)), i.shape);
    const got = await session.run(feeds);
    let worst = 0;
    for (const o of m.outputs) {
      if (!got[o.name]) throw new Error(`${m.model}: no output '${o.name}'`);
      const want = floats(path.join(dir, o.file)), have = got[o.name].data;
      if (have.length !== want.length) throw new Error(`${m.model}: output '${o.name}' has ${have.length} values, expected ${want.length}`);
      for (let k = 0; k < want.length; k++) {
        let d = Math.abs(have[k] - want[k]);
        if (m.relative) d /= Math.max(1, Math.abs(want[k]));
        if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
      }
    }
    const rows = m.inputs[0].shape[0];
    const ok = worst <= m.tolerance;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${m.model.padEnd(34)} onnxruntime max ${m.relative ? 'relative ' : ''}|difference| ${worst.toExponential(2)} over ${rows} rows (tolerance ${m.tolerance})`);
    if (!ok) process.exitCode = 1;
  }
})().catch(e => { console.error('FAIL', e.message); process.exit(1); });
