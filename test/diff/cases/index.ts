/** Every differential case, in the order they run. */
import type { DiffCase } from '../case.js';
import { atomCases } from './atoms.js';
import { conditionCases } from './conditions.js';
import { convertCases } from './convert.js';
import { interactionCases } from './interactions.js';
import { lockCases } from './locks.js';
import { monitorCases } from './monitors.js';
import { mutationCases } from './mutations.js';
import { operationCases } from './operations.js';
import { ovnNbCases } from './ovn-nb.js';
import { protocolCases } from './protocol.js';
import { refCases } from './refs.js';

export const allCases: readonly DiffCase[] = [
  ...protocolCases,
  ...atomCases,
  ...mutationCases,
  ...conditionCases,
  ...refCases,
  ...operationCases,
  ...monitorCases,
  ...interactionCases,
  ...lockCases,
  ...ovnNbCases,
  // Last: it changes the Mini schema.
  ...convertCases,
];
