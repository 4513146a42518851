// The daemon end of the launch pipe: a net.Server on \\.\pipe\Keyhatch.Launch (a unix socket path
// on Linux in tests). Each connection carries one framed request and gets one framed response.
import net from 'node:net';
import {
  FrameReader,
  LAUNCH_PIPE_PATH,
  LaunchProtocolError,
  decodeRequest,
  encodeFrame,
  errorResponse,
  okResponse,
  type LaunchKioskRequest,
  type LaunchRequest,
  type LaunchResponse,
} from './launch-protocol.js';

export interface LaunchHandler {
  /** resetSids: users reset in the last minutes, so their Keyhatch tile offers "Sign in with your new password". */
  status(): Promise<{ available: boolean; resetSids?: readonly string[] }>;
  /** Resolves once the kiosk process has been started; rejects when it could not be. */
  launchKiosk(req: LaunchKioskRequest): Promise<void>;
}

export interface LaunchPipeServerOptions {
  handler: LaunchHandler;
  /** Pipe path; defaults to \\.\pipe\Keyhatch.Launch. */
  path?: string;
  /** A client that has not sent a whole request in this time is dropped (LogonUI's side gives up after 100 ms). */
  requestTimeoutMs?: number;
  /** How long a handler may take before the client gets TIMEOUT. */
  handlerTimeoutMs?: number;
  /**
   * Called once the pipe exists, before connections are served; on Windows this restricts the
   * pipe's DACL to SYSTEM (native addon's restrictLaunchPipe). A rejection closes the server.
   */
  secure?: (path: string) => Promise<void>;
  /**
   * Called synchronously just before the pipe is created, and its result just after (libuv
   * creates the instances inside listen(), with no security attributes). On Windows this sets the
   * process's default DACL to SYSTEM-only so the pipe carries it from its first instance, and
   * then restores the previous one (native addon's guardLaunchPipeCreation). `secure` still runs
   * after listen, as a check and for what the default DACL does not cover.
   */
  guardCreation?: () => () => void;
  /** Reports handler failures and protocol errors (never the request's user name). */
  onError?: (err: Error) => void;
}

export class LaunchPipeServer {
  private readonly server: net.Server;
  private readonly options: Required<Omit<LaunchPipeServerOptions, 'secure' | 'guardCreation' | 'onError'>> &
    Pick<LaunchPipeServerOptions, 'secure' | 'guardCreation' | 'onError'>;

  constructor(options: LaunchPipeServerOptions) {
    this.options = { path: LAUNCH_PIPE_PATH, requestTimeoutMs: 2000, handlerTimeoutMs: 10_000, ...options };
    // allowHalfOpen: a client may shut down its sending side after the request and still read
    // the answer; the request timeout still drops clients that never finish.
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.serve(socket));
  }

  get path(): string {
    return this.options.path;
  }

  async listen(): Promise<void> {
    if (process.platform !== 'win32' && this.options.path.startsWith('\\\\.\\pipe\\')) {
      // Off Windows this would quietly create a file with that odd name in the working directory.
      throw new Error(`${this.options.path} is a Windows named pipe; on ${process.platform} pass a unix socket path`);
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // The guard throws if it cannot protect the pipe: then the pipe is never created.
      const restore = this.options.guardCreation?.();
      try {
        this.server.listen(this.options.path, () => {
          this.server.off('error', reject);
          resolve();
        });
      } finally {
        // Bind and the pending instances happen inside listen(), synchronously.
        restore?.();
      }
    });
    if (this.options.secure) {
      try {
        await this.options.secure(this.options.path);
      } catch (err) {
        await this.close();
        throw err;
      }
    }
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    const reader = new FrameReader();
    let answered = false;
    let received = false;
    socket.setTimeout(this.options.requestTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    // A client that stops sending before a whole request can never be answered.
    socket.on('end', () => {
      if (!received && !answered) socket.destroy();
    });
    const reply = (response: LaunchResponse): void => {
      if (answered) return;
      answered = true;
      socket.setTimeout(0);
      socket.end(encodeFrame(response));
    };
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      let body: Buffer | undefined;
      let request: LaunchRequest;
      try {
        body = reader.push(chunk);
        if (!body) return;
        request = decodeRequest(body);
      } catch (err) {
        const e = err instanceof LaunchProtocolError ? err : new LaunchProtocolError('BAD_FRAME', 'unreadable request');
        this.options.onError?.(e);
        reply(errorResponse(e.code, e.message));
        return;
      }
      // The request is in: from here the handler timeout governs, not the request timeout.
      received = true;
      socket.setTimeout(0);
      socket.pause();
      void this.dispatch(request).then(reply);
    });
  }

  private async dispatch(request: LaunchRequest): Promise<LaunchResponse> {
    try {
      if (request.type === 'Status') {
        const { available, resetSids } = await this.withTimeout(this.options.handler.status());
        // One comma-separated string: the provider's reader takes plain top-level strings only.
        return okResponse({ available, ...(resetSids && resetSids.length > 0 ? { resetSids: resetSids.join(',') } : {}) });
      }
      await this.withTimeout(this.options.handler.launchKiosk(request));
      return okResponse();
    } catch (err) {
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
      if (err instanceof LaunchProtocolError) return errorResponse(err.code, err.message);
      // The caller is LogonUI: it shows a generic text; details stay in the daemon's log.
      return errorResponse('LAUNCH_FAILED', 'the password reset window could not be started');
    }
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LaunchProtocolError('TIMEOUT', `handler did not answer within ${this.options.handlerTimeoutMs} ms`)),
        this.options.handlerTimeoutMs,
      );
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
