#!/usr/bin/env node
import { buildCli } from './build-cli.js';
// A reader that closes the pipe early (`exptrack show x | head -2`) ends the command quietly, as git and ls do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? process.exit(0) : process.nextTick(() => { throw error; })));
buildCli().run(process.argv.slice(2)).then((code) => process.exit(code));
