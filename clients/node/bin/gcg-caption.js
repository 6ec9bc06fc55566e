#!/usr/bin/env node
'use strict';
// gcg-caption for Node: the flags of bin/gcg-caption (clients/java/README.md) plus experiment and
// budget flags. Exit codes: 0 ok, 1 non-retryable server error, 2 bad usage, 3 a local file,
// 4 retryable (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED).
const fs = require('fs');
const { parseArgs } = require('util');
const { GcgClient, GcgError, captionRequest, masks, readToken, toEvent } = require('../lib');
const png = require('../lib/png');

const RETRYABLE = new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED']);
const OPTIONS = {
  target: { type: 'string', default: 'localhost:50051' },
  image: { type: 'string' }, prompt: { type: 'string', default: '' },
  pruner: { type: 'string', default: '' }, 'keep-ratio': { type: 'string' },
  param: { type: 'string', multiple: true, default: [] },
  'max-new-tokens': { type: 'string', default: '0' }, temperature: { type: 'string', default: '0' },
  seed: { type: 'string', default: '0' }, 'deadline-ms': { type: 'string' },
  json: { type: 'boolean', default: false }, overlay: { type: 'string' },
  'list-pruners': { type: 'boolean', default: false },
  experiment: { type: 'string', default: '' }, 'subject-key': { type: 'string', default: '' },
  'budget-flops-ratio': { type: 'string' }, 'budget-visual-tokens': { type: 'string' },
  'budget-ttft-ms': { type: 'string' }, 'reject-on-miss': { type: 'boolean', default: false },
  tls: { type: 'boolean', default: false }, 'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'token-file': { type: 'string' },
  help: { type: 'boolean', default: false },
};
const USAGE = 'usage: gcg-caption-node --target HOST:PORT --image FILE [--prompt P] [--pruner NAME] '
  + '[--keep-ratio R] [--param k=v ...] [--max-new-tokens N] [--temperature T] [--seed S] '
  + '[--deadline-ms MS] [--json] [--overlay out.png] [--list-pruners] [--experiment E] '
  + '[--subject-key K] [--budget-flops-ratio R | --budget-visual-tokens N | --budget-ttft-ms MS] '
  + '[--reject-on-miss] [--tls | --tls-ca FILE] [--tls-cert FILE --tls-key FILE] [--token-file FILE]';

// One event as JSON with the protobuf JSON mapping's field names; bytes in base64.
function toJson(message) {
  const body = { [message.event]: message[message.event] };
  return JSON.stringify(body, (k, x) => (x && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('base64') : x));
}

function usage(problem) {
  console.error(`gcg-caption: ${problem}\n${USAGE}`);
  return 2;
}

function number(text, flag) {
  const value = Number(text);
  if (text === undefined || Number.isNaN(value)) throw new Error(`${flag} takes a number, got ${text}`);
  return value;
}

function fail(error) {
  if (!(error instanceof GcgError)) throw error;
  console.error(`gcg-caption: ${error.code}: ${error.details}`);
  return RETRYABLE.has(error.code) ? 4 : 1;
}

function budgetOf(v) {
  const given = ['budget-flops-ratio', 'budget-visual-tokens', 'budget-ttft-ms'].filter((k) => v[k] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new Error('give one budget flag');
  const onMiss = v['reject-on-miss'] ? 'ON_MISS_REJECT' : 'ON_MISS_BEST_EFFORT';
  if (v['budget-flops-ratio'] !== undefined) return { maxFlopsRatio: number(v['budget-flops-ratio'], '--budget-flops-ratio'), onMiss };
  if (v['budget-visual-tokens'] !== undefined) return { maxVisualTokens: number(v['budget-visual-tokens'], '--budget-visual-tokens'), onMiss };
  return { maxTtftMs: number(v['budget-ttft-ms'], '--budget-ttft-ms'), onMiss };
}

async function main() {
  let v;
  try {
    ({ values: v } = parseArgs({ options: OPTIONS, strict: true }));
  } catch (error) {
    return usage(error.message);
  }
  if (v.help) { console.log(USAGE); return 0; }
  const deadlineMs = v['deadline-ms'] ? Number(v['deadline-ms']) : undefined;
  let client;
  try {
    client = new GcgClient(v.target, {
      tls: v.tls, tlsCa: v['tls-ca'], tlsCert: v['tls-cert'], tlsKey: v['tls-key'],
      token: v['token-file'] === undefined ? undefined : readToken(v['token-file']),
    });
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'EACCES') {
      console.error(`gcg-caption: ${error.message}`);
      return 3;
    }
    return usage(error.message);
  }
  try {
    if (v['list-pruners']) {
      for (const d of await client.listPruners({ deadlineMs })) {
        console.log(`${d.name} (${d.builtIn ? 'built-in' : 'plugin'}): ${d.description}`);
        for (const q of d.parameters) console.log(`  ${q.name} ${q.type} default=${q.defaultValue || '-'} ${q.allowed}`);
      }
      return 0;
    }
    if (!v.image) return usage('--image is required (or --list-pruners)');
    let request;
    try {
      const params = {};
      for (const entry of v.param) {
        const eq = entry.indexOf('=');
        if (eq < 0) throw new Error(`--param ${entry} is not k=v`);
        params[entry.slice(0, eq)] = entry.slice(eq + 1);
      }
      let image;
      try {
        image = fs.readFileSync(v.image);
      } catch (error) {
        console.error(`gcg-caption: cannot read ${v.image}: ${error.message}`);
        return 3;
      }
      request = captionRequest(image, {
        prompt: v.prompt, pruner: v.pruner, params,
        keepRatio: v['keep-ratio'] === undefined ? undefined : number(v['keep-ratio'], '--keep-ratio'),
        maxNewTokens: number(v['max-new-tokens'], '--max-new-tokens'),
        temperature: number(v.temperature, '--temperature'), seed: number(v.seed, '--seed'),
        experiment: v.experiment, subjectKey: v['subject-key'], budget: budgetOf(v),
      });
    } catch (error) {
      return usage(error.message);
    }
    const phrases = [];
    const call = client.caption(request, { deadlineMs });
    for await (const message of call.messages()) {
      if (v.json) console.log(toJson(message));
      const event = toEvent(message);
      if (!event) continue;
      if (event.type === 'groundedPhrase') phrases.push(event);
      if (v.json) continue;
      if (event.type === 'started') {
        const arm = event.experiment ? `, arm ${event.arm}` : '';
        console.error(`pruner ${event.pruner}${arm}: ${event.visualTokensKept}/${event.visualTokensTotal} visual tokens, FLOPs ratio ${event.flopsRatio.toFixed(3)}`);
      } else if (event.type === 'textDelta') {
        process.stdout.write(event.text);
      } else if (event.type === 'finished') {
        process.stdout.write('\n');
        for (const g of phrases) {
          const area = masks.area(g.mask.decode());
          console.log(`${JSON.stringify(g.phrase).padEnd(32)} [${g.charStart},${g.charEnd}) bbox=[${g.mask.bbox}] area=${area} score=${g.mask.score.toFixed(3)}`);
        }
        const t = event.timings;
        console.error(`${event.finishReason}: ${event.generatedTokens} tokens, TTFT ${t.ttftMs.toFixed(1)} ms, total ${t.totalMs.toFixed(1)} ms`);
      }
    }
    if (v.overlay) {
      let drawn;
      try {
        drawn = png.overlay(fs.readFileSync(v.image), phrases);
      } catch (error) {
        console.error(`gcg-caption: cannot draw the overlay: ${error.message}`);
        return 3;
      }
      try {
        fs.writeFileSync(v.overlay, drawn);
      } catch (error) {
        console.error(`gcg-caption: cannot write ${v.overlay}: ${error.message}`);
        return 3;
      }
    }
    return 0;
  } catch (error) {
    return fail(error);
  } finally {
    client.close();
  }
}

// A closed pipe (gcg-caption ... | head) ends the output, not the process with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main().then((code) => { process.exitCode = code; });
