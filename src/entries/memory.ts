export * from '../backends/memory/index.js';
