/**
 * What a `ovsdb-ts tool` command may touch besides its arguments (STYLE habit 15): two output
 * streams. Commands are `(args, io) => Promise<ExitCode>` and run in-process in tests.
 */

/** Process exit status. ovsdb-tool uses 0 (yes/success), 1 (error) and 2 ("no"). */
export type ExitCode = 0 | 1 | 2;

/** Output sinks of one command run. */
export interface ToolIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The process's own streams. */
export const processIo: ToolIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** An io that keeps what was written, for tests and for composing commands. */
export class BufferIo implements ToolIo {
  out = '';
  err = '';
  stdout(text: string): void {
    this.out += text;
  }
  stderr(text: string): void {
    this.err += text;
  }
}

/** A user-facing failure: printed as one `ovsdb-ts: <message>` line, exit status 1. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

/**
 * Runs `body`, turning any thrown error into the one-line `ovsdb-ts: ...` message and status 1,
 * as ovs_fatal() does for ovsdb-tool.
 */
export async function runTool(io: ToolIo, body: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await body();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`ovsdb-ts: ${message.split('\n')[0] ?? message}\n`);
    return 1;
  }
}
