export * from '../sweep/index.js';
