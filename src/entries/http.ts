export * from '../backends/http/index.js';
