'use strict';
// The Node client over TLS against a grpc-js server on loopback: mutual TLS with a bearer token,
// a wrong token, no client certificate, and a token without TLS. Certificates come from a CA made
// with openssl at test time; nothing is stored.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { GcgClient, readToken } = require('../lib');

const PROTO_DIR = path.join(__dirname, '..', '..', '..', 'proto', 'src', 'main', 'proto');
const TOKEN = 'reliable-token-0123456789abcdef';

function openssl(dir, ...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

// A CA, a server certificate for localhost and 127.0.0.1, and a client certificate.
function makePki(dir) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=node test ca');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext] of [['server', 'server.ext'], ['client', 'client.ext']]) {
    openssl(dir, 'req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', ext);
  }
  return (file) => path.join(dir, file);
}

function startServer(file) {
  const definition = protoLoader.loadSync('gcg/v1/grounded_caption.proto', { includeDirs: [PROTO_DIR] });
  const service = grpc.loadPackageDefinition(definition).gcg.v1.GroundedCaption.service;
  const server = new grpc.Server();
  server.addService(service, {
    ListPruners(call, callback) {
      const auth = call.metadata.get('authorization')[0];
      if (auth !== `Bearer ${TOKEN}`) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'send authorization: Bearer <token>' });
      } else {
        callback(null, { pruners: [{ name: 'none', description: 'no pruning', builtIn: true }] });
      }
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(fs.readFileSync(file('ca.pem')),
    [{ private_key: fs.readFileSync(file('server.key')), cert_chain: fs.readFileSync(file('server.pem')) }], true);
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve({ server, port })));
  });
}

function opensslPresent() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('TLS options', { skip: !opensslPresent() && 'openssl is not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gcg-node-tls-'));
  const file = makePki(dir);
  const { server, port } = await startServer(file);
  const target = `localhost:${port}`;
  const mutual = { tlsCa: file('ca.pem'), tlsCert: file('client.pem'), tlsKey: file('client.key') };
  try {
    await t.test('mutual TLS with the right token is served', async () => {
      fs.writeFileSync(file('token.txt'), `# the client's token\n${TOKEN}\n`);
      const client = new GcgClient(target, { ...mutual, token: readToken(file('token.txt')) });
      try {
        const pruners = await client.listPruners({ deadlineMs: 10000 });
        assert.deepStrictEqual(pruners.map((p) => p.name), ['none']);
      } finally {
        client.close();
      }
    });
    await t.test('a wrong token is UNAUTHENTICATED', async () => {
      const client = new GcgClient(target, { ...mutual, token: 'not-the-token-0123456789' });
      try {
        await assert.rejects(client.listPruners({ deadlineMs: 10000 }), (e) => e.code === 'UNAUTHENTICATED');
      } finally {
        client.close();
      }
    });
    await t.test('no client certificate fails the handshake: UNAVAILABLE', async () => {
      const client = new GcgClient(target, { tlsCa: file('ca.pem'), token: TOKEN });
      try {
        await assert.rejects(client.listPruners({ deadlineMs: 10000 }), (e) => e.code === 'UNAVAILABLE');
      } finally {
        client.close();
      }
    });
    await t.test('a token without TLS, or half a key pair, is refused at once', () => {
      assert.throws(() => new GcgClient(target, { token: TOKEN }), /needs TLS/);
      assert.throws(() => new GcgClient(target, { tlsCa: file('ca.pem'), tlsCert: file('client.pem') }), /go together/);
    });
  } finally {
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
