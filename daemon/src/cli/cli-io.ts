// What a command may touch of the outside world: output, stdin and the environment (tests swap it).
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
  env: Record<string, string | undefined>;
  /** Writes without a newline when stderr is a terminal (progress bars); absent otherwise. */
  tty?: (s: string) => void;
}
