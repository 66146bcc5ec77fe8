import { ensureBuilt } from './helpers/build.js';

/** Builds dist/ once, before any worker starts, for the tests that spawn the real CLI. */
export default function setup(): void {
  ensureBuilt();
}
