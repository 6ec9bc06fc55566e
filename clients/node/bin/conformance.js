#!/usr/bin/env node
'use strict';
// Runs clients/conformance/scenarios.json with the Node client; prints `node: N passed, N failed`.
//   node bin/conformance.js --target HOST:PORT --metrics-url URL --scenarios FILE
//        [--reference java.json] [--record out.json]
const fs = require('fs');
const path = require('path');
const http = require('http');
const { GcgClient, GcgError, masks } = require('../lib');

class Failure extends Error {}
function check(condition, what) {
  if (!condition) throw new Failure(what);
}

function args(argv) {
  const out = {};
  for (let i = 0; i + 1 < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const key of ['target', 'metrics-url', 'scenarios']) {
    if (!out[key]) {
      console.error(`conformance: --${key} is required`);
      process.exit(2);
    }
  }
  return out;
}

function requestsWithStatus(url, status) {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => {
        let total = 0;
        for (const line of body.split('\n')) {
          if (line.startsWith('gcg_requests_total{') && line.includes(`status="${status}"`)) {
            total += Number(line.slice(line.lastIndexOf(' ') + 1));
          }
        }
        resolve(total);
      });
    }).on('error', reject);
  });
}

// The scenario's request is protobuf JSON; proto-loader objects take the same camelCase names.
function requestOf(scenario, image) {
  const request = JSON.parse(JSON.stringify(scenario.request || {}));
  request.image = 'image_text' in scenario ? Buffer.from(scenario.image_text, 'utf8') : image;
  return request;
}

async function observeCaption(client, request, deadlineMs) {
  let caption;
  try {
    caption = await client.caption(request, { deadlineMs }).collect();
  } catch (error) {
    if (error instanceof GcgError) return { status: error.code, message: error.details };
    throw error;
  }
  const s = caption.started;
  const f = caption.finished;
  check(s, 'no Started event');
  check(f, 'no Finished event');
  const phrases = caption.phrases.map((g) => {
    const pixels = g.mask.decode();
    const bbox = masks.tightBbox(pixels);
    check(JSON.stringify(bbox) === JSON.stringify(g.mask.bbox),
      `mask of '${g.phrase}': bbox ${g.mask.bbox} but the decoded pixels span ${bbox}`);
    return {
      phrase: g.phrase, char_start: g.charStart, char_end: g.charEnd, bbox: g.mask.bbox,
      area: masks.area(pixels), pixels_sha256: masks.pixelsSha256(pixels),
    };
  });
  return {
    status: 'OK', pruner: s.pruner, arm: s.arm, visual_tokens_kept: s.visualTokensKept,
    flops_ratio_ppm: Math.round(s.flopsRatio * 1e6),
    budget_kind: s.budget ? s.budget.kind : 'BUDGET_KIND_UNSPECIFIED',
    started_budget_outcome: s.budget ? s.budget.outcome : 'BUDGET_OUTCOME_UNSPECIFIED',
    caption: caption.text, phrases, finish_reason: f.finishReason,
    generated_tokens: f.generatedTokens, finished_budget_outcome: f.budgetOutcome,
  };
}

const runners = {
  async caption(client, scenario, image) {
    const expect = scenario.expect;
    const obs = await observeCaption(client, requestOf(scenario, image), scenario.deadline_ms);
    check(obs.status === expect.status,
      `status ${obs.status} (${obs.message || ''}), expected ${expect.status}`);
    if (expect.message_contains) {
      check(obs.message.includes(expect.message_contains),
        `message '${obs.message}' lacks '${expect.message_contains}'`);
    }
    if (expect.pruner) check(obs.pruner === expect.pruner, `pruner ${obs.pruner}`);
    if (expect.min_phrases) check(obs.phrases.length >= expect.min_phrases, `${obs.phrases.length} phrases`);
    if (expect.budget_kind) {
      for (const key of ['budget_kind', 'started_budget_outcome', 'finished_budget_outcome']) {
        check(obs[key] === expect[key], `${key} ${obs[key]}`);
      }
      check(obs.flops_ratio_ppm <= expect.max_flops_ratio * 1e6, 'FLOPs ratio over the budget');
    }
    return obs;
  },

  async list_pruners(client, scenario) {
    let pruners;
    try {
      pruners = await client.listPruners({ deadlineMs: scenario.deadline_ms });
    } catch (error) {
      throw new Failure(`ListPruners failed: ${error.message}`);
    }
    const obs = {
      status: 'OK',
      pruners: pruners.map((d) => ({
        name: d.name, built_in: d.builtIn, parameters: d.parameters.map((q) => q.name),
      })),
    };
    const names = obs.pruners.map((d) => d.name);
    for (const name of scenario.expect.includes) check(names.includes(name), `ListPruners lacks ${name}`);
    return obs;
  },

  async cancel_after_first_phrase(client, scenario, image, metricsUrl) {
    const expect = scenario.expect;
    const before = await requestsWithStatus(metricsUrl, expect.server_status);
    const call = client.caption(requestOf(scenario, image), { deadlineMs: scenario.deadline_ms });
    let status = 'OK';
    try {
      for await (const event of call) {
        check(event.type !== 'finished', 'the stream finished before a phrase');
        if (event.type === 'groundedPhrase') call.cancel();
      }
    } catch (error) {
      if (!(error instanceof GcgError)) throw error;
      status = error.code;
    }
    check(status === expect.status, `client status ${status}, expected ${expect.status}`);
    let seen = before;
    for (let i = 0; i < 100 && seen <= before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await requestsWithStatus(metricsUrl, expect.server_status);
    }
    check(seen > before, `the server did not count a ${expect.server_status} request`);
    return { status };
  },

  async arms(client, scenario, image) {
    const expect = scenario.expect;
    const arms = {};
    for (const key of scenario.subject_keys) {
      const request = requestOf(scenario, image);
      request.subjectKey = key;
      const call = client.caption(request, { deadlineMs: scenario.deadline_ms });
      let caption;
      try {
        caption = await call.collect();
      } catch (error) {
        throw new Failure(`subject ${key}: ${error.message}`);
      }
      const headers = await call.headers;
      const s = caption.started;
      check(s, `subject ${key}: no Started`);
      check(expect.arms.includes(s.arm), `subject ${key}: arm '${s.arm}' is not expected`);
      check(headers['gcg-arm'] === s.arm, `subject ${key}: header gcg-arm ${headers['gcg-arm']}, Started.arm ${s.arm}`);
      check(s.experiment === expect.experiment, `subject ${key}: experiment ${s.experiment}`);
      check(s.assignment === expect.assignment, `subject ${key}: assignment ${s.assignment}`);
      arms[key] = s.arm;
    }
    return { status: 'OK', arms };
  },
};

// Equality of parsed JSON values, key order ignored.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// The path and values of the first difference between two JSON values, or null.
function firstDifference(ours, ref, where) {
  const isObject = (x) => x && typeof x === 'object' && !Array.isArray(x);
  if (isObject(ours) && isObject(ref)) {
    for (const key of [...new Set([...Object.keys(ours), ...Object.keys(ref)])].sort()) {
      const found = firstDifference(ours[key], ref[key], `${where}.${key}`);
      if (found) return found;
    }
    return null;
  }
  if (Array.isArray(ours) && Array.isArray(ref) && ours.length === ref.length) {
    for (let i = 0; i < ours.length; i++) {
      const found = firstDifference(ours[i], ref[i], `${where}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (canonical(ours) === canonical(ref)) return null;
  return `${where}: ours ${String(canonical(ours)).slice(0, 300)}, reference ${String(canonical(ref)).slice(0, 300)}`;
}

async function main() {
  const opts = args(process.argv.slice(2));
  const spec = JSON.parse(fs.readFileSync(opts.scenarios, 'utf8'));
  const image = fs.readFileSync(path.join(path.dirname(opts.scenarios), spec.image));
  const reference = opts.reference ? JSON.parse(fs.readFileSync(opts.reference, 'utf8')) : null;
  const client = new GcgClient(opts.target);
  const observations = {};
  let passed = 0, failed = 0, pending = 0;
  const started = Date.now();
  for (const scenario of spec.scenarios) {
    const t0 = Date.now();
    try {
      const obs = await runners[scenario.kind](client, scenario, image, opts['metrics-url']);
      observations[scenario.name] = obs;
      if (scenario.compare && reference) {
        check(scenario.name in reference, 'the reference client recorded no observation');
        const where = firstDifference(obs, reference[scenario.name], scenario.name);
        check(where === null, `differs from the reference client at ${where}`);
      }
      const note = scenario.pending ? '; it is marked pending: drop the flag' : '';
      console.log(`PASS    ${scenario.name} (${Date.now() - t0} ms)${note}`);
      passed++;
    } catch (error) {
      const what = error instanceof Failure ? error.message : `${error.name}: ${error.message}`;
      if (scenario.pending) {
        console.log(`PENDING ${scenario.name}: ${scenario.pending} (observed: ${what})`);
        pending++;
      } else {
        console.log(`FAIL    ${scenario.name}: ${what}`);
        failed++;
      }
    }
  }
  client.close();
  if (opts.record) fs.writeFileSync(opts.record, JSON.stringify(observations, null, 1));
  const tail = pending ? `, ${pending} pending` : '';
  console.log(`node: ${passed} passed, ${failed} failed${tail} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(`conformance: ${error.stack || error}`);
  process.exitCode = 1;
});
