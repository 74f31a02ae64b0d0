#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the prepare script).
import('../dist/main/cli/satchel.js').then((cli) => cli.main(process.argv.slice(2)));
