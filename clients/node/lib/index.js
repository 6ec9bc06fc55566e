'use strict';
// gcg-serve client for Node: captions as an async iterator of typed events, masks decoded.
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const masks = require('./masks');

const DEFAULT_PROTO_DIR = process.env.GCG_PROTO_DIR
  || path.join(__dirname, '..', '..', '..', 'proto', 'src', 'main', 'proto');
const MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
const BUILT_IN_KEEP_RATIO = ['fastv', 'pdrop', 'altp'];
const STATUS_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
const OBJECT_OPTIONS = { keepCase: false, longs: String, enums: String, bytes: Buffer, defaults: true, oneofs: true };

/** A call that ended with a status other than OK; `code` is the status name (INVALID_ARGUMENT). */
class GcgError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = message;
  }

  static from(error) {
    return new GcgError(STATUS_NAMES[error.code] || 'UNKNOWN', error.details || '');
  }
}

function loadService(protoDir = DEFAULT_PROTO_DIR) {
  const definition = protoLoader.loadSync('gcg/v1/grounded_caption.proto', {
    ...OBJECT_OPTIONS,
    includeDirs: [protoDir],
  });
  return grpc.loadPackageDefinition(definition).gcg.v1.GroundedCaption;
}

/**
 * Builds a CaptionRequest object. `keepRatio` fills the typed field of a built-in pruner and the
 * `keep_ratio` param of a plugin; giving it in `params` too throws.
 */
function captionRequest(image, options = {}) {
  const params = { ...(options.params || {}) };
  const request = {
    image,
    prompt: options.prompt || '',
    experiment: options.experiment || '',
    subjectKey: options.subjectKey || '',
    generation: {
      maxNewTokens: options.maxNewTokens || 0,
      temperature: options.temperature || 0,
      topP: options.topP || 0,
      seed: options.seed || 0,
    },
  };
  const pruner = options.pruner || '';
  if (pruner || Object.keys(params).length > 0 || options.keepRatio !== undefined) {
    request.pruner = { name: pruner, params };
  }
  if (options.keepRatio !== undefined) {
    if ('keep_ratio' in params) throw new Error('give keepRatio once: as keepRatio or in params');
    if (BUILT_IN_KEEP_RATIO.includes(pruner)) request.pruner[pruner] = { keepRatio: options.keepRatio };
    else request.pruner.params.keep_ratio = String(options.keepRatio);
  }
  if (options.budget) request.budget = options.budget;
  return request;
}

/** Converts a CaptionEvent object to a typed event ({type: 'started' | ...}). */
function toEvent(message) {
  switch (message.event) {
    case 'started': {
      const s = message.started;
      return { type: 'started', ...s, budget: s.budget || null };
    }
    case 'textDelta':
      return { type: 'textDelta', text: message.textDelta.text, index: message.textDelta.index };
    case 'groundedPhrase': {
      const g = message.groundedPhrase;
      const mask = {
        ...g.mask,
        decode: () => masks.decodeMask(g.mask.rleCounts, g.mask.size),
      };
      return { type: 'groundedPhrase', phrase: g.phrase, charStart: g.charStart, charEnd: g.charEnd, mask };
    }
    case 'finished':
      return { type: 'finished', ...message.finished };
    default:
      return null;
  }
}

/** A running caption: `for await (const event of call)`, `call.cancel()`, `await call.headers`. */
class CaptionCall {
  /** `deadline`: the call's deadline (ms since the epoch), if it has one. */
  constructor(call, deadline) {
    this.call = call;
    this.deadline = deadline;
    this.cancelledHere = false;
    this.headers = new Promise((resolve) => {
      call.on('metadata', (md) => {
        const headers = {};
        for (const [k, v] of Object.entries(md.getMap())) headers[k] = String(v);
        resolve(headers);
      });
      call.on('status', () => resolve({}));
    });
  }

  async *messages() {
    try {
      for await (const message of this.call) yield message;
    } catch (error) {
      throw GcgError.from(this.asDeadline(error));
    }
  }

  /**
   * grpc-js reports a stream that the server reset as CANCELLED ('Call cancelled'). The server
   * resets a call whose deadline passed; when that reaches a busy client before its own deadline
   * timer fires, the call still ended at its deadline, and is reported as DEADLINE_EXCEEDED, as it
   * is otherwise. A call cancelled here stays CANCELLED.
   */
  asDeadline(error) {
    const lapsed = this.deadline !== undefined && Date.now() >= this.deadline;
    if (error.code !== grpc.status.CANCELLED || this.cancelledHere || !lapsed) return error;
    return {
      code: grpc.status.DEADLINE_EXCEEDED,
      details: 'Deadline exceeded (the server ended the call at its deadline)',
    };
  }

  async *[Symbol.asyncIterator]() {
    for await (const message of this.messages()) {
      const event = toEvent(message);
      if (event) yield event;
    }
  }

  cancel() {
    this.cancelledHere = true;
    this.call.cancel();
  }

  /** Reads the whole stream: {started, text, phrases, finished}. */
  async collect() {
    const result = { started: null, text: '', phrases: [], finished: null };
    for await (const event of this) {
      if (event.type === 'started') result.started = event;
      else if (event.type === 'textDelta') result.text += event.text;
      else if (event.type === 'groundedPhrase') result.phrases.push(event);
      else if (event.type === 'finished') result.finished = event;
    }
    return result;
  }
}

function callOptions(deadlineMs) {
  return deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
}

/**
 * The channel credentials for `options`: plaintext, or TLS when `tls` (the system's root CAs) or
 * `tlsCa` (PEM CA file) is given, with a client certificate (`tlsCert`, `tlsKey`) for mutual TLS
 * and a bearer `token` sent with every call (TLS only: grpc-js sends call credentials over secure
 * channels alone).
 */
function channelCredentials(options) {
  const secure = Boolean(options.tls || options.tlsCa || options.tlsCert);
  if (!secure) {
    if (options.token !== undefined) throw new Error('a bearer token needs TLS: give tlsCa (--tls-ca) or tls (--tls)');
    return grpc.credentials.createInsecure();
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new Error('--tls-cert and --tls-key go together');
  }
  const read = (file) => (file === undefined ? null : fs.readFileSync(file));
  let credentials = grpc.credentials.createSsl(read(options.tlsCa), read(options.tlsKey), read(options.tlsCert));
  if (options.token !== undefined) {
    const token = options.token;
    credentials = grpc.credentials.combineChannelCredentials(credentials,
      grpc.credentials.createFromMetadataGenerator((params, callback) => {
        const metadata = new grpc.Metadata();
        metadata.add('authorization', `Bearer ${token}`);
        callback(null, metadata);
      }));
  }
  return credentials;
}

/** The token of a token file: its first line that is neither empty nor a `#` comment. */
function readToken(file) {
  const line = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined) throw new Error(`${file} holds no token`);
  return line;
}

class GcgClient {
  /**
   * Connects to `target` (host:port): in plaintext, or over TLS with `options.tls` /
   * `options.tlsCa`, `options.tlsCert` + `options.tlsKey` and `options.token` (see
   * channelCredentials).
   */
  constructor(target, options = {}) {
    const Service = loadService(options.protoDir);
    this.stub = new Service(target, channelCredentials(options), {
      'grpc.max_receive_message_length': MAX_INBOUND_MESSAGE_BYTES,
    });
  }

  /** Starts a caption; `deadlineMs` bounds the whole call. */
  caption(request, { deadlineMs } = {}) {
    const options = callOptions(deadlineMs);
    return new CaptionCall(this.stub.Caption(request, options), options.deadline);
  }

  /** The server's pruners (PrunerDescription objects, sorted by name). */
  listPruners({ deadlineMs } = {}) {
    return new Promise((resolve, reject) => {
      this.stub.ListPruners({}, callOptions(deadlineMs), (error, response) =>
        (error ? reject(GcgError.from(error)) : resolve(response.pruners)));
    });
  }

  /** The experiments in force (ListExperimentsResponse). */
  listExperiments({ deadlineMs } = {}) {
    return new Promise((resolve, reject) => {
      this.stub.ListExperiments({}, callOptions(deadlineMs), (error, response) =>
        (error ? reject(GcgError.from(error)) : resolve(response)));
    });
  }

  close() {
    this.stub.close();
  }
}

module.exports = {
  GcgClient, GcgError, CaptionCall, captionRequest, masks, toEvent, readToken, STATUS_NAMES,
};
