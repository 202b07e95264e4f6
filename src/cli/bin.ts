#!/usr/bin/env node
import { buildCli } from './build-cli.js';
buildCli().run(process.argv.slice(2)).then((code) => process.exit(code));
