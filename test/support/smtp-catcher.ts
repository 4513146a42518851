// Starts the SMTP server process and collects what it receives, decoded enough to read codes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestCa, type TestCa } from './test-ca.js';

export interface CaughtMail { to: string[]; subject: string; text: string; secure: boolean }

export type SmtpMode = 'starttls' | 'smtps' | 'plain';

export interface SmtpCatcher {
  url: string;
  port: number;
  /** The catcher's own CA (STARTTLS/smtps): give it to the client as smtp.caFile. */
  caFile: string;
  /** What to put under "smtp" in a Keyhatch config to reach this catcher. */
  config: { url: string; from: string; caFile: string };
  messages(): CaughtMail[];
  waitFor(to: string, pattern: RegExp, timeoutMs?: number, after?: number): Promise<{ mail: CaughtMail; match: RegExpExecArray; index: number }>;
  close(): Promise<void>;
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?(q|b)\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : decodeQp(text.replace(/_/g, ' ')));
}

function decodeQp(s: string): string {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '=' && /^[0-9A-F]{2}$/i.test(src.slice(i + 1, i + 3))) { bytes.push(parseInt(src.slice(i + 1, i + 3), 16)); i += 2; }
    else bytes.push(...Buffer.from(src[i] as string, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseMail(raw: string, to: string[], secure = false): CaughtMail {
  const split = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).trim();
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1] ?? '';
  const enc = header('Content-Transfer-Encoding').toLowerCase();
  const text = enc === 'quoted-printable' ? decodeQp(body) : enc === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body;
  return { to, subject: decodeWords(header('Subject')), text, secure };
}

/** A real SMTP server with STARTTLS (default) and a throwaway CA of its own. */
export async function startSmtpCatcher(mode: SmtpMode = 'starttls', again?: { port: number; caFile: string }): Promise<SmtpCatcher> {
  const script = fileURLToPath(new URL('./smtp-catcher-process.ts', import.meta.url));
  // `again`: the same server back on its port with its TLS identity (a mail server that was down).
  const made = again ? undefined : makeTestCa('smtp-ca');
  const ca = { caFile: again?.caFile ?? (made as TestCa).caFile };
  const dir = dirname(ca.caFile);
  if (made) {
    writeFileSync(join(dir, 'smtp.key'), made.key, { mode: 0o600 });
    writeFileSync(join(dir, 'smtp.pem'), made.cert);
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, String(again?.port ?? 0), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KEYHATCH_TEST_SMTP_KEY: join(dir, 'smtp.key'), KEYHATCH_TEST_SMTP_CERT: join(dir, 'smtp.pem') },
  });
  const mails: CaughtMail[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const msg = JSON.parse(line) as { listening?: number; to?: string[]; raw?: string; secure?: boolean };
      if (msg.listening !== undefined) resolve(msg.listening);
      else if (msg.raw !== undefined) mails.push(parseMail(msg.raw, msg.to ?? [], msg.secure === true));
    });
    child.once('exit', (code) => reject(new Error(`SMTP server process exited (${code})`)));
  });
  const url = `${mode === 'smtps' ? 'smtps' : 'smtp'}://127.0.0.1:${port}`;
  return {
    url,
    port,
    caFile: ca.caFile,
    config: { url, from: 'keyhatch@keyhatch.test', caFile: ca.caFile },
    messages: () => [...mails],
    async waitFor(to, pattern, timeoutMs = 60_000, after = 0) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (let i = after; i < mails.length; i++) {
          const mail = mails[i] as CaughtMail;
          const m = pattern.exec(mail.text);
          if (m && mail.to.some((t) => t.toLowerCase() === to.toLowerCase())) return { mail, match: m, index: i };
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no mail to ${to} matching ${pattern} within ${timeoutMs} ms (got ${mails.length}: ${mails.map((m) => `${m.to.join()}:${m.subject}`).join('; ')})`);
    },
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
