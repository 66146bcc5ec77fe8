/**
 * A reader that goes away early (`ovsdb-ts tool query ... | head`) ends a command quietly, as
 * SIGPIPE ends the OVS tools, instead of an unhandled EPIPE 'error' event and its stack trace.
 * Node ignores SIGPIPE, so the write fails with EPIPE; we exit with the status a shell reports
 * for a process killed by SIGPIPE (128 + 13). Not for the server, which, as ovsdb-server
 * (which ignores SIGPIPE), must outlive a closed console.
 */
let installed = false;

/** Installs the handler on stdout and stderr (once per process). */
export function exitQuietlyOnEpipe(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(141);
      throw e;
    });
  }
}
