export * from './assert.js';
export * from './brand.js';
export * from './clock.js';
export * from './json.js';
export * from './prng.js';
export * from './uuid.js';
