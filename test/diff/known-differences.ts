/**
 * Cases where our server is known to answer differently from the real ovsdb-server, each with the
 * reason. The suite fails on any other difference, and also when a case listed here starts to
 * match (so the list only shrinks). The goal is an empty list.
 */

export const knownDifferences: ReadonlyMap<string, string> = new Map<string, string>([]);
