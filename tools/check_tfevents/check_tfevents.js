// SPDX-License-Identifier: MIT
// Reads TensorBoard event files with code that is not mlp's: the npm package `tfrecord` frames the
// records and checks both masked CRC-32Cs of each, protobufjs decodes each record with the Event
// schema below (TensorFlow's event.proto / summary.proto field numbers, written out here, not
// mlp's src/callbacks/tensorboard_event.proto). Checks: the first record is "brain.Event:2", every
// scalar is finite, every histogram's bucket counts sum to its `num`. Prints each tag with its
// kind and steps; exits 1 on the first problem. Run through tools/check_tfevents/run.sh.
const { RecordReader } = require('tfrecord/lib/record_reader');
const protobuf = require('protobufjs');
const root = protobuf.parse(`
syntax = "proto3";
message HistogramProto { double min = 1; double max = 2; double num = 3; double sum = 4; double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true]; repeated double bucket = 7 [packed = true]; }
message TensorProto { int32 dtype = 1; repeated float float_val = 5; }
message SummaryMetadata { message PluginData { string plugin_name = 1; bytes content = 2; } PluginData plugin_data = 1; }
message Summary { message Value { string node_name = 7; string tag = 1; SummaryMetadata metadata = 9;
  oneof value { float simple_value = 2; bytes obsolete_old_style_histogram = 3; HistogramProto histo = 5; TensorProto tensor = 8; } }
  repeated Value value = 1; }
message Event { double wall_time = 1; int64 step = 2;
  oneof what { string file_version = 3; bytes graph_def = 4; Summary summary = 5; } }
`).root;
const Event = root.lookupType('Event');
(async () => {
  for (const path of process.argv.slice(2)) {
    const r = await RecordReader.create(path);
    let n = 0, first = null; const tags = {};
    let rec;
    while ((rec = await r.readRecord()) !== null) {
      const e = Event.toObject(Event.decode(rec), { longs: Number, oneofs: true, defaults: true });
      if (n === 0) first = e.fileVersion;
      if (e.summary) for (const v of e.summary.value) {
        const kind = v.value;
        tags[v.tag] = tags[v.tag] || { kind, steps: [] };
        tags[v.tag].steps.push(e.step);
        if (kind === 'histo') {
          const h = v.histo, sum = h.bucket.reduce((a, b) => a + b, 0);
          if (Math.abs(sum - h.num) > 1e-6 || h.bucket.length !== h.bucketLimit.length) throw new Error(`${v.tag}: histogram counts ${sum} != num ${h.num}`);
        }
        if (kind === 'simpleValue' && !Number.isFinite(v.simpleValue)) throw new Error(`${v.tag}: not finite`);
      }
      n++;
    }
    console.log(path.split('/').slice(-2).join('/'), `records=${n} first=${first}`);
    for (const [t, o] of Object.entries(tags)) console.log(`  ${t} ${o.kind} steps=${o.steps.join(',')}`);
  }
})().catch(e => { console.error('FAIL', e.message); process.exit(1); });
