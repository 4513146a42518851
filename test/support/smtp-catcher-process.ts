// A real SMTP server in its own process (smtp-server). Every accepted message is printed to stdout
// as one JSON line {to, raw}; the parent (smtp-catcher.ts) decodes it.
// argv: port, mode. Modes: "starttls" (default; offers STARTTLS with the key/cert files named by
// KEYHATCH_TEST_SMTP_KEY/_CERT and refuses mail before it), "smtps" (TLS from the first byte),
// "plain" (no TLS at all: for proving the client refuses it).
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

const mode = process.argv[3] ?? 'starttls';
const tls = mode === 'plain' ? {} : {
  key: readFileSync(process.env.KEYHATCH_TEST_SMTP_KEY as string),
  cert: readFileSync(process.env.KEYHATCH_TEST_SMTP_CERT as string),
};

const server = new SMTPServer({
  ...tls,
  secure: mode === 'smtps',
  disabledCommands: mode === 'plain' ? ['AUTH', 'STARTTLS'] : ['AUTH'],
  authOptional: true,
  logger: false,
  size: 1024 * 1024,
  onMailFrom(_address, session, callback) {
    // Like a hardened relay: no mail transaction in the clear.
    if (mode !== 'plain' && !session.secure) return callback(Object.assign(new Error('530 Must issue a STARTTLS command first'), { responseCode: 530 }));
    callback();
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const to = session.envelope.rcptTo.map((r) => r.address);
      process.stdout.write(`${JSON.stringify({ to, raw: Buffer.concat(chunks).toString('utf8'), secure: session.secure })}\n`);
      callback();
    });
  },
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const addr = server.server.address();
  process.stdout.write(`${JSON.stringify({ listening: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
