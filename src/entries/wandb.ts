export * from '../backends/wandb/index.js';
