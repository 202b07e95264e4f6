export * from '../backends/postgres/index.js';
