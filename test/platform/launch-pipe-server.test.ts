import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exchangeRaw } from '../../daemon/src/platform/launch-pipe-client.js';
import { LaunchPipeServer, type LaunchHandler } from '../../daemon/src/platform/launch-pipe-server.js';
import { encodeFrame, type LaunchKioskRequest } from '../../daemon/src/platform/launch-protocol.js';

class RecordingHandler implements LaunchHandler {
  available = true;
  launches: LaunchKioskRequest[] = [];
  fail: Error | undefined;
  delayMs = 0;
  resetSids: string[] = [];
  async status(): Promise<{ available: boolean; resetSids: string[] }> {
    return { available: this.available, resetSids: this.resetSids };
  }
  async launchKiosk(req: LaunchKioskRequest): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) throw this.fail;
    this.launches.push(req);
  }
}

describe('launch pipe server (unix socket on Linux)', () => {
  let dir: string;
  let handler: RecordingHandler;
  let server: LaunchPipeServer;
  let errors: Error[];
  const sock = (): string => path.join(dir, 'launch.sock');

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyhatch-pipe-'));
    handler = new RecordingHandler();
    errors = [];
    server = new LaunchPipeServer({ handler, path: sock(), requestTimeoutMs: 300, handlerTimeoutMs: 300, onError: (e) => errors.push(e) });
    await server.listen();
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers Status from the handler', async () => {
    assert.deepEqual(await exchangeRaw(sock(), encodeFrame({ v: 1, type: 'Status' })), { v: 1, ok: true, available: true });
    handler.available = false;
    assert.deepEqual(await exchangeRaw(sock(), encodeFrame({ v: 1, type: 'Status' })), { v: 1, ok: true, available: false });
  });

  it('reports users reset lately as one comma-separated resetSids string (SIDs only)', async () => {
    handler.resetSids = ['S-1-5-21-1-2-3-1104', 'S-1-5-21-1-2-3-1105'];
    assert.deepEqual(await exchangeRaw(sock(), encodeFrame({ v: 1, type: 'Status' })),
      { v: 1, ok: true, available: true, resetSids: 'S-1-5-21-1-2-3-1104,S-1-5-21-1-2-3-1105' });
  });

  it('passes a validated LaunchKiosk request to the handler', async () => {
    const req = { v: 1, type: 'LaunchKiosk', sessionId: 3, scenario: 'logon', action: 'unlock', user: 'jdoe' } as const;
    assert.deepEqual(await exchangeRaw(sock(), encodeFrame(req)), { v: 1, ok: true });
    assert.deepEqual(handler.launches, [req]);
  });

  it('still answers a client that half-closes after sending its request', async () => {
    handler.delayMs = 100; // the answer comes well after the client's FIN
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(sock(), () => c.end(encodeFrame({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' })));
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('end', () => resolve());
      c.on('error', reject);
    });
    const all = Buffer.concat(chunks);
    assert.ok(all.length > 4, 'no answer after half-close');
    assert.deepEqual(JSON.parse(all.subarray(4).toString('utf8')), { v: 1, ok: true });
  });

  it('answers UNSUPPORTED_VERSION and never calls the handler', async () => {
    const res = await exchangeRaw(sock(), encodeFrame({ v: 9, type: 'LaunchKiosk', sessionId: 1 }));
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.error.code, 'UNSUPPORTED_VERSION');
    assert.equal(handler.launches.length, 0);
  });

  it('answers MESSAGE_TOO_LARGE to an oversize header without waiting for the body', async () => {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(1 << 20, 0);
    const res = await exchangeRaw(sock(), header);
    assert.equal(!res.ok && res.error.code, 'MESSAGE_TOO_LARGE');
  });

  it('reports a failed launch generically and the cause to onError only', async () => {
    handler.fail = new Error('CreateProcessAsUser failed: secret detail');
    const res = await exchangeRaw(sock(), encodeFrame({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' }));
    assert.equal(!res.ok && res.error.code, 'LAUNCH_FAILED');
    assert.doesNotMatch(JSON.stringify(res), /secret detail/);
    assert.equal(errors[0]?.message, 'CreateProcessAsUser failed: secret detail');
  });

  it('answers TIMEOUT when the handler hangs', async () => {
    handler.delayMs = 1000;
    const res = await exchangeRaw(sock(), encodeFrame({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' }));
    assert.equal(!res.ok && res.error.code, 'TIMEOUT');
  });

  it('drops a client that sends half a request and stays silent', async () => {
    const started = Date.now();
    const closed = await new Promise<number>((resolve, reject) => {
      const c = net.connect(sock(), () => c.write(Buffer.from([10, 0])));
      c.on('close', () => resolve(Date.now() - started));
      c.on('error', reject);
      c.resume();
    });
    assert.ok(closed >= 250, `closed after ${closed} ms, before the 250 ms read timeout`);
  });

  it('refuses the Windows pipe name off Windows instead of creating a stray file', async function () {
    if (process.platform === 'win32') this.skip(); // on Windows that name is the real pipe (tested under Wine)
    const windowsDefault = new LaunchPipeServer({ handler });
    await assert.rejects(windowsDefault.listen(), /is a Windows named pipe; on linux pass a unix socket path/);
    assert.equal(fs.existsSync('\\\\.\\pipe\\Keyhatch.Launch'), false);
  });

  it('closes the server when securing the pipe fails', async () => {
    const other = new LaunchPipeServer({
      handler,
      path: path.join(dir, 'other.sock'),
      secure: async () => {
        throw new Error('DACL not applied');
      },
    });
    await assert.rejects(other.listen(), /DACL not applied/);
    await assert.rejects(exchangeRaw(path.join(dir, 'other.sock'), encodeFrame({ v: 1, type: 'Status' })), /ENOENT|ECONNREFUSED/);
  });

  it('guards the pipe\'s creation: the guard is in force while the socket is created and lifted before secure runs', async () => {
    const file = path.join(dir, 'guarded.sock');
    const events: string[] = [];
    const guarded = new LaunchPipeServer({
      handler,
      path: file,
      guardCreation: () => {
        events.push(`guard:${fs.existsSync(file)}`);
        return () => events.push(`restore:${fs.existsSync(file)}`);
      },
      secure: async () => void events.push('secure'),
    });
    await guarded.listen();
    try {
      // On Linux the socket file exists once listen() has bound it: the guard brackets that bind.
      assert.deepEqual(events, ['guard:false', 'restore:true', 'secure']);
    } finally {
      await guarded.close();
    }
  });

  it('never creates the pipe when the guard cannot be put in place', async () => {
    const file = path.join(dir, 'unguarded.sock');
    const refused = new LaunchPipeServer({
      handler,
      path: file,
      guardCreation: () => {
        throw new Error('SetTokenInformation(TokenDefaultDacl) failed: 5');
      },
    });
    await assert.rejects(refused.listen(), /TokenDefaultDacl/);
    assert.equal(fs.existsSync(file), false);
  });
});
