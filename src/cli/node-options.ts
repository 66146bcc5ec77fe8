/**
 * The Node options the server runs under, wherever it is launched: the first line of the
 * `ovsdb-ts` executable (src/cli/main.ts), `npm start` (package.json), the benchmark
 * (bench/servers.ts), and `--detach`, which passes on its own. A test keeps them in step.
 *
 * --v8-pool-size=0: as many V8 helper threads (parallel scavenges, concurrent marking and
 * sweeping) as the machine has cores less one, instead of Node's fixed 4. The server is one
 * JavaScript thread; on a 2-core machine four helpers that wake at every scavenge contend with
 * it and with its clients for the cores. Measured on write-16 (bench/), 2 cores: +4-5 % over
 * the default (three runs of 8-10 alternating pairs; 7 of 8, 8 of 10 and 7 of 10 pairs ahead).
 */
export const SERVER_NODE_OPTIONS: readonly string[] = ['--v8-pool-size=0'];
