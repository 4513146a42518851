// What a command may touch of the outside world: output, stdin and the environment (tests swap it).
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
  env: Record<string, string | undefined>;
  /** Writes without a newline when stderr is a terminal (progress bars); absent otherwise. */
  tty?: (s: string) => void;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The real process: what `keyhatch` uses outside tests. */
export const processIo: CliIo = {
  stdout: (s) => process.stdout.write(`${s}\n`),
  stderr: (s) => process.stderr.write(`${s}\n`),
  readStdin: () => readAll(process.stdin),
  env: process.env,
  ...(process.stderr.isTTY ? { tty: (s: string) => { process.stderr.write(s); } } : {}),
};
