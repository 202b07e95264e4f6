export * from '../backends/sqlite/index.js';
